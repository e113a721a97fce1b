// Restores from the recovery console: it calls the API's own RestoreService in-process, with no session and no
// password (its screen confirms), previewing a stored backup or a file at a path, and staging it with the same
// pre-restore backup, audit and journal as the web page; the next start applies it. Bad files are refused with a
// clear error and nothing staged; the console's tokens are its own.
import { applyStagedRestore } from '@burrow/api/backups/restore-journal';
import { RestoreWorkRepository } from '@burrow/api/repositories/restore-work.repository';
import { type Actor } from '@burrow/api/services/actor';
import { DomainError, type ErrorCode } from '@burrow/api/services/domain-error';
import { RestoreService } from '@burrow/api/services/restore.service';
import test from 'ava';
import { execFile } from 'node:child_process';
import { access, mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { apply, backUp } from './backup-client.js';
import { type InProcessApi, startInProcessApi } from './in-process-api.js';
import {
  ADMIN_PASSWORD,
  call,
  createUser,
  setupAdmin,
  signIn,
  VIEWER_PASSWORD,
  withApi,
  type Session,
} from './session-client.js';

const CONSOLE: Actor & { origin: 'console' } = { origin: 'console' };
const PASSPHRASE = 'correct horse battery staple';

async function usernames(api: InProcessApi, admin: Session): Promise<string[]> {
  const users = await call<Array<{ username: string }>>(api, '/api/users', { session: admin });
  return users.body.map((user) => user.username).sort();
}

/** Nothing staged and no work dir left. */
async function nothingStaged(api: InProcessApi): Promise<boolean> {
  const work = (await readdir(join(api.dataDir, 'backups'))).filter((name) => name.startsWith('.restore-'));
  const staged = await access(join(api.dataDir, 'restore')).then(
    () => true,
    () => false,
  );
  return work.length === 0 && !staged && !(await api.app.get(RestoreService).isStaged());
}

/** Runs `stage` on a box of its own data dir, then applies what it staged and opens a new app on it. */
async function stagedThenRestarted(
  stage: (api: InProcessApi, admin: Session, scratch: string) => Promise<void>,
  check: (api: InProcessApi) => Promise<void>,
): Promise<void> {
  const scratch = await mkdtemp(join(tmpdir(), 'burrow-console-restore-'));
  const dataDir = join(scratch, 'data');
  let restarted: InProcessApi | undefined;
  try {
    const api = await startInProcessApi({ dataDir });
    try {
      await stage(api, await setupAdmin(api), scratch);
    } finally {
      await api.close();
    }
    if ((await applyStagedRestore(dataDir)) !== 'applied') {
      throw new Error('nothing was staged');
    }
    restarted = await startInProcessApi({ dataDir });
    await check(restarted);
  } finally {
    await restarted?.close();
    await rm(scratch, { recursive: true, force: true });
  }
}

test('the console restores a stored backup: staged without a restart, applied at the next start', async (t) => {
  let preRestoreBackupId = 0;
  await stagedThenRestarted(
    async (api, admin) => {
      await createUser(api, admin, 'vera', VIEWER_PASSWORD, 'viewer');
      const { id } = await backUp(api, admin);
      await createUser(api, admin, 'walt', VIEWER_PASSWORD, 'viewer');
      const restore = api.app.get(RestoreService);
      const preview = await restore.previewStoredFor(CONSOLE, id, null);
      t.deepEqual(
        preview.users.map((user) => user.username),
        ['admin', 'vera'],
      );
      t.false(preview.authorityChanges);
      // The console's token is the console's: the web page cannot apply it.
      const web = await apply(api, admin, preview.token);
      t.is(web.status, 410);
      const applied = await restore.applyFor(CONSOLE, preview.token);
      t.like(applied, { staged: true });
      t.regex(applied.message, /restarts/);
      preRestoreBackupId = applied.preRestoreBackupId;
      t.true(await restore.isStaged());
      await t.throwsAsync(restore.applyFor(CONSOLE, preview.token), {
        instanceOf: DomainError,
        message: /already applied/,
      });
      t.deepEqual(await usernames(api, admin), ['admin', 'vera', 'walt'], 'the live configuration waits for a start');
    },
    async (api) => {
      const admin = await signIn(api, 'admin', ADMIN_PASSWORD);
      t.deepEqual(await usernames(api, admin), ['admin', 'vera']);
      const audit = await call<{
        events: Array<{ action: string; username: string | null; origin: string; details: Record<string, unknown> }>;
      }>(api, '/api/audit?limit=200', { session: admin });
      const restored = audit.body.events.find((event) => event.action === 'backup.restored');
      t.like(restored, { username: null, origin: 'console', details: { preRestoreBackup: preRestoreBackupId } });
      const listed = await call<Array<{ id: number; kind: string }>>(api, '/api/backups', { session: admin });
      t.true(listed.body.some((entry) => entry.kind === 'pre-restore'));
    },
  );
});

test('the console restores a backup file from a path, opened with its passphrase', async (t) => {
  await stagedThenRestarted(
    async (api, admin, scratch) => {
      await call(api, '/api/backups/settings', {
        method: 'PUT',
        body: { passphrase: PASSPHRASE, currentPassword: ADMIN_PASSWORD },
        session: admin,
      });
      await createUser(api, admin, 'vera', VIEWER_PASSWORD, 'viewer');
      const file = join(scratch, 'stick', 'burrow-home.burrowbackup');
      await mkdir(join(scratch, 'stick'));
      await writeFile(file, (await backUp(api, admin)).bytes);
      await createUser(api, admin, 'walt', VIEWER_PASSWORD, 'viewer');
      const restore = api.app.get(RestoreService);
      const preview = await restore.previewFileFor(CONSOLE, file, PASSPHRASE);
      t.is(preview.source, 'burrow-home.burrowbackup');
      t.deepEqual(
        preview.users.map((user) => user.username),
        ['admin', 'vera'],
      );
      t.like(await restore.applyFor(CONSOLE, preview.token), { staged: true });
    },
    async (api) => {
      t.deepEqual(await usernames(api, await signIn(api, 'admin', ADMIN_PASSWORD)), ['admin', 'vera']);
    },
  );
});

test('bad files, paths and passphrases are refused with a clear error, and nothing is staged', async (t) => {
  await withApi({}, async (api) => {
    const admin = await setupAdmin(api);
    await call(api, '/api/backups/settings', {
      method: 'PUT',
      body: { passphrase: PASSPHRASE, currentPassword: ADMIN_PASSWORD },
      session: admin,
    });
    const { id, bytes } = await backUp(api, admin);
    const restore = api.app.get(RestoreService);
    const stick = await mkdtemp(join(tmpdir(), 'burrow-console-stick-'));
    t.teardown(() => rm(stick, { recursive: true, force: true }));
    const good = join(stick, 'good.burrowbackup');
    await writeFile(good, bytes);
    const tampered = join(stick, 'tampered.burrowbackup');
    const flipped = Buffer.from(bytes);
    flipped[Math.floor(bytes.length / 2)]! ^= 0x40;
    await writeFile(tampered, flipped);
    const link = join(stick, 'link.burrowbackup');
    await symlink(good, link);
    const fifo = join(stick, 'fifo.burrowbackup');
    await promisify(execFile)('mkfifo', [fifo]);

    const refusals: Array<[string, () => Promise<unknown>, ErrorCode, RegExp]> = [
      [
        'wrong passphrase',
        () => restore.previewFileFor(CONSOLE, good, 'not the passphrase'),
        'backup_unreadable',
        /Wrong passphrase or damaged file/,
      ],
      ['tampered', () => restore.previewFileFor(CONSOLE, tampered, PASSPHRASE), 'backup_unreadable', /./],
      [
        'stored, wrong passphrase',
        () => restore.previewStoredFor(CONSOLE, id, 'not the passphrase'),
        'backup_unreadable',
        /Wrong passphrase/,
      ],
      ['no such stored backup', () => restore.previewStoredFor(CONSOLE, 999, null), 'not_found', /No such backup/],
      [
        'missing',
        () => restore.previewFileFor(CONSOLE, join(stick, 'nope.burrowbackup'), null),
        'not_found',
        /no file/,
      ],
      ['a link', () => restore.previewFileFor(CONSOLE, link, PASSPHRASE), 'upload_invalid', /link/],
      ['a FIFO', () => restore.previewFileFor(CONSOLE, fifo, PASSPHRASE), 'upload_invalid', /not a file/],
      [
        'a directory',
        () => restore.previewFileFor(CONSOLE, stick, PASSPHRASE),
        'upload_invalid',
        /not a file|cannot be read/,
      ],
      [
        'relative',
        () => restore.previewFileFor(CONSOLE, 'good.burrowbackup', PASSPHRASE),
        'upload_invalid',
        /full path/,
      ],
    ];
    for (const [what, attempt, code, message] of refusals) {
      const error = await t.throwsAsync(attempt, { instanceOf: DomainError }, what);
      t.is(error?.code, code, what);
      t.regex(error?.message ?? '', message, what);
      t.true(await nothingStaged(api), what);
    }

    api.app.get(RestoreWorkRepository).uploadLimitBytes = 1024;
    const large = await t.throwsAsync(restore.previewFileFor(CONSOLE, good, PASSPHRASE), { instanceOf: DomainError });
    t.is(large?.code, 'payload_too_large');
    t.true(await nothingStaged(api));
    t.deepEqual(await usernames(api, admin), ['admin']);
  });
});
