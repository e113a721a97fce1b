// The Backups page in Chromium against the real built server (which restarts itself in-process to apply a
// restore): a backup made and downloaded through the browser, its preview readable on a phone, and the downloaded
// file uploaded and restored for real, after which the page returns to sign-in and the admin signs in again.
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Page } from 'playwright-core';
import { ApiSession, type Credentials } from './support/api-session.js';
import { openPage, SIGNED_OUT_NOISE, signInThroughPage, unexpectedProblems } from './support/page-flows.js';
import { DESKTOP, horizontalOverflow, PHONE, screenshot } from './support/screenshots.js';
import { testsAsSignedInAdmin } from './support/server-and-browser.js';

const ADMIN: Credentials = { username: 'admin', password: 'backup pages check 1' };
const test = testsAsSignedInAdmin(ADMIN);
/** The file the first test downloaded, which the second restores (each test gets its own copy of the context). */
let downloaded: string | undefined;

interface Backup {
  id: number;
  kind: string;
  size: number;
  sha256: string;
}

/** While the router restarts, the page's polls fail or find the session gone: expected, not a fault. */
const RESTART_NOISE: readonly RegExp[] = [
  ...SIGNED_OUT_NOISE,
  /^request failed: \w+ \S+: net::ERR_/,
  /^request failed: \w+ \S+: HTTP (401|502|503)$/,
  /^console error: Failed to load resource/,
];

async function openBackups(page: Page, url: string): Promise<void> {
  await page.goto(`${url}/backups`);
  await page.getByTestId('backup-list').waitFor();
}

test.serial('a backup made and downloaded; its preview reads on a phone', async (t) => {
  const { server, browser, api } = t.context;
  const { page, problems } = await openPage(browser, DESKTOP);
  await openBackups(page, server.url);
  await page.getByTestId('backup-now').click();
  await page.getByTestId('backup-item').first().waitFor();
  const [listed] = await api.json<Backup[]>('GET', '/api/backups');

  const download = page.waitForEvent('download');
  await page.getByTestId('backup-download').first().click();
  const saved = join(await mkdtemp(join(tmpdir(), 'burrow-e2e-')), 'download.burrowbackup');
  await (await download).saveAs(saved);
  const bytes = await readFile(saved);
  t.is(bytes.length, listed?.size ?? -1);
  t.is(createHash('sha256').update(bytes).digest('hex'), listed?.sha256 ?? '');
  await screenshot(page, 'backups-desktop');
  t.deepEqual(await unexpectedProblems(problems, []), []);
  await page.close();

  // "Restore…" on the stored backup, on a phone: the preview fits the screen; then cancelled, nothing changes.
  const phone = await openPage(browser, PHONE);
  await openBackups(phone.page, server.url);
  await phone.page.getByRole('button', { name: 'Restore…' }).first().click();
  await phone.page.getByTestId('restore-preview').click();
  const details = phone.page.getByTestId('restore-preview-details');
  await details.waitFor();
  t.regex((await phone.page.getByTestId('restore-users').textContent()) ?? '', /admin/);
  t.is(await phone.page.getByTestId('restore-ca-warning').count(), 0, 'the same box keeps its CA');
  t.is(await horizontalOverflow(phone.page), 0);
  await screenshot(phone.page, 'backups-restore-preview-phone');
  await phone.page.getByTestId('restore-confirm').getByRole('button', { name: 'Cancel' }).click();
  await phone.page.getByTestId('restore-form').waitFor();
  t.deepEqual(await unexpectedProblems(phone.problems, []), []);
  await phone.page.close();
  downloaded = saved;
});

test.serial(
  'deleting a backup asks first: the answer has the focus, Cancel keeps it, "Delete for good" removes it',
  async (t) => {
    const { server, browser, api } = t.context;
    const { page, problems } = await openPage(browser, DESKTOP);
    await openBackups(page, server.url);
    const before = await api.json<Backup[]>('GET', '/api/backups');
    await page.getByTestId('backup-now').click();
    await page.getByTestId('backup-item').nth(before.length).waitFor();
    const item = page.getByTestId('backup-item').first();

    await item.getByRole('button', { name: 'Delete', exact: true }).click();
    const question = page.getByRole('group', { name: /^Delete the backup of / });
    await question.waitFor();
    t.is(await page.evaluate(() => document.activeElement?.textContent?.trim()), 'Delete for good');
    await question.getByRole('button', { name: 'Cancel' }).click();
    t.is(await question.count(), 0);
    t.is((await api.json<Backup[]>('GET', '/api/backups')).length, before.length + 1);

    await item.getByRole('button', { name: 'Delete', exact: true }).click();
    await question.getByRole('button', { name: 'Delete for good' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: /^Deleted the backup of / })
      .waitFor();
    t.is((await api.json<Backup[]>('GET', '/api/backups')).length, before.length);
    t.deepEqual(await unexpectedProblems(problems, []), []);
    await page.close();
  },
);

test.serial('the downloaded file is uploaded, previewed and restored; the page returns to sign-in', async (t) => {
  const { server, browser, api } = t.context;
  const saved = downloaded;
  if (saved === undefined) {
    t.fail('the download of the first test is missing');
    return;
  }
  // A user the backup does not have: the restore must remove it.
  await api.json('POST', '/api/users', { username: 'later', password: 'made after the backup 1', role: 'viewer' });

  const { page, problems } = await openPage(browser, DESKTOP);
  await openBackups(page, server.url);
  await page.getByTestId('restore-file').setInputFiles(saved);
  await page.getByTestId('restore-preview').click();
  await page.getByTestId('restore-preview-details').waitFor();
  const users = (await page.getByTestId('restore-users').textContent()) ?? '';
  t.regex(users, /admin/);
  t.notRegex(users, /later/);
  await screenshot(page, 'backups-restore-preview-desktop');

  await page.getByTestId('restore-password').fill(ADMIN.password);
  await page.getByTestId('restore-apply').click();
  await page.getByTestId('restore-restarting').waitFor();
  await page.waitForURL((url) => url.pathname === '/sign-in', { timeout: 90_000 });
  await screenshot(page, 'backups-restored-sign-in');

  await signInThroughPage(page, server.url, ADMIN, { path: '/backups' });
  await page.getByTestId('backup-list').waitFor();
  // Node's session of before the restore is signed out; signed in again, the user made after the backup is gone.
  t.is((await api.request('GET', '/api/users')).status, 401);
  const again = await ApiSession.signIn(server.url, ADMIN);
  const names = (await again.json<Array<{ username: string }>>('GET', '/api/users')).map((user) => user.username);
  t.deepEqual(names, ['admin']);
  const audit = await again.json<{ events: Array<{ action: string }> }>('GET', '/api/audit?action=backup.restored');
  t.is(audit.events.length, 1);
  t.deepEqual(await unexpectedProblems(problems, RESTART_NOISE), []);
  await page.close();
  await rm(join(saved, '..'), { recursive: true, force: true });
});
