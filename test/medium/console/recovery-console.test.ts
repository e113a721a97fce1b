// The recovery console as a technician uses it: the real `burrow-console` in tmux (80x24, no colour) beside the real
// API on the same data dir, each action checked on the screen and in what the API then does over HTTPS. Serial: an
// API, a console and its core per test are heavy on a small machine.
import test, { type ExecutionContext } from 'ava';
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { connect } from 'node:tls';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiSession } from '../../e2e/support/api-session.js';
import { type ApiServer, startApiServer } from '../../helpers/api-server.js';
import { startInTmux, type TmuxSession } from '../../helpers/tmux.js';
import { trustForFetch } from '../../helpers/trust.js';
import { currentStep, totpCode } from '../../helpers/totp-code.js';

const CONSOLE = fileURLToPath(new URL('../../../../api/bin/burrow-console', import.meta.url));
const MENU = 'Press a number to choose';
const CANCELLED = 'Cancelled, nothing was changed.';
const ADMIN = { username: 'admin', password: 'a long admin passphrase 1' };
/** A restart applies a restore and runs migrations: slower on a loaded CI machine. */
const RESTART_TIMEOUT_MS = 60_000;

async function serverWithAdmin(t: ExecutionContext): Promise<{ server: ApiServer; admin: ApiSession }> {
  const server = await startApiServer();
  t.teardown(() => server.stop());
  return { server, admin: await ApiSession.setup(server.url, ADMIN) };
}

async function openConsole(t: ExecutionContext, server: ApiServer): Promise<TmuxSession> {
  const tmux = await startInTmux(t, {
    command: [process.execPath, CONSOLE],
    env: { ...server.env, TERM: 'dumb', NO_COLOR: '1' },
  });
  // The core (a worker that opens the database) has answered once the header shows the CA: a busy machine may take
  // a while, and every action waits for it.
  await tmux.waitFor(/CA fingerprint: [0-9A-F]{2}:/, 60_000);
  await tmux.waitFor(MENU, 30_000);
  return tmux;
}

/** The API answers again after a restart the console asked for (SIGHUP); its log says it restarted. */
async function waitForRestart(server: ApiServer, times = 1): Promise<void> {
  const deadline = Date.now() + RESTART_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if ((server.output().match(/listening again after the restart/g) ?? []).length >= times) {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the API did not restart:\n${server.output().slice(-3000)}`);
}

/** Menu 4 → a stored backup → the newest: its preview, up to the confirmation. */
async function previewNewestStoredBackup(tmux: TmuxSession): Promise<string> {
  await tmux.sendKeys('4');
  await tmux.waitFor('Restore from:');
  await tmux.sendKeys('1');
  await tmux.waitFor('Stored backups, newest first:');
  await tmux.sendKeys('1');
  await tmux.waitFor('Type yes to go ahead');
  return tmux.capture();
}

/** The base64 body of the first certificate in a PEM text. */
function certificateBody(pem: string): string {
  return /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/.exec(pem)![1]!.trim();
}

/** The SHA-256 fingerprint of the certificate the web service presents now. */
function servedFingerprint(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      resolve(socket.getPeerCertificate().fingerprint256);
      socket.end();
    });
    socket.once('error', reject);
  });
}

async function caFingerprint(server: ApiServer): Promise<string> {
  return new X509Certificate(await readFile(join(server.dataDir, 'certs', 'ca.pem'))).fingerprint256;
}

test.serial(
  'a password reset prints a one-time password that signs in over HTTPS and must be changed first',
  async (t) => {
    const { server, admin } = await serverWithAdmin(t);
    const tmux = await openConsole(t, server);

    // A wrong confirmation changes nothing: the old password still signs in.
    await tmux.sendKeys('2');
    await tmux.waitFor('Whose password?');
    await tmux.sendKeys('1');
    await tmux.waitFor('Type yes to go ahead');
    await tmux.type('no');
    await tmux.sendKeys('Enter');
    await tmux.waitFor(CANCELLED);
    await ApiSession.signIn(server.url, ADMIN);

    await tmux.sendKeys('Enter');
    await tmux.waitFor(MENU);
    await tmux.sendKeys('2');
    await tmux.waitFor('Whose password?');
    await tmux.sendKeys('1');
    await tmux.waitFor('Type yes to go ahead');
    await tmux.type('yes');
    await tmux.sendKeys('Enter');
    const screen = await tmux.waitFor(/One-time password:\s+(\S+)/);
    const oneTime = /One-time password:\s+(\S+)/.exec(screen)![1]!;

    t.is((await admin.request('GET', '/api/users')).status, 401, "the admin's sessions were ended");
    await t.throwsAsync(ApiSession.signIn(server.url, ADMIN), undefined, 'the old password no longer works');
    const reset = await ApiSession.signIn(server.url, { username: 'admin', password: oneTime });
    const refused = await reset.request('GET', '/api/users');
    t.is(refused.status, 403);
    t.like(await refused.json(), { code: 'password_change_required' });
    const changed = await reset.request('POST', '/api/account/password', {
      currentPassword: oneTime,
      newPassword: 'a new admin passphrase 2',
    });
    t.true(changed.ok, `password change: ${changed.status}`);
    const after = await ApiSession.signIn(server.url, { username: 'admin', password: 'a new admin passphrase 2' });
    const audit = await after.json<{ events: Array<{ action: string; origin: string }> }>(
      'GET',
      '/api/audit?action=user.password_reset',
    );
    t.deepEqual(
      audit.events.map((event) => event.origin),
      ['console'],
    );
  },
);

test.serial('two-factor sign-in turned off from the console: the password alone signs in again', async (t) => {
  const { server, admin } = await serverWithAdmin(t);
  const { secret } = await admin.json<{ secret: string }>('POST', '/api/account/totp/enrol', {
    password: ADMIN.password,
  });
  await admin.json('POST', '/api/account/totp/confirm', { code: totpCode(secret, currentStep()) });
  await t.throwsAsync(ApiSession.signIn(server.url, ADMIN), undefined, 'a code is needed now');
  const tmux = await openConsole(t, server);

  await tmux.sendKeys('3');
  await tmux.waitFor('For which user?');
  t.regex(await tmux.capture(), /1\s+admin \(admin\)/);
  await tmux.sendKeys('1');
  await tmux.waitFor('Type yes to go ahead');
  await tmux.type('yes');
  await tmux.sendKeys('Enter');
  await tmux.waitFor('Two-factor sign-in is off for this user');

  const again = await ApiSession.signIn(server.url, ADMIN);
  const audit = await again.json<{ events: Array<{ origin: string }> }>('GET', '/api/audit?action=user.totp_disabled');
  t.deepEqual(
    audit.events.map((event) => event.origin),
    ['console'],
  );
});

test.serial(
  'a stored backup is restored from the console: the web service restarts with the restored users',
  async (t) => {
    const { server, admin } = await serverWithAdmin(t);
    t.true((await admin.request('POST', '/api/backups')).ok);
    await admin.json('POST', '/api/users', { username: 'later', password: 'made after the backup 1', role: 'viewer' });
    const tmux = await openConsole(t, server);

    t.regex(await previewNewestStoredBackup(tmux), /Users: admin \(admin\)$/m, "the preview names the backup's users");
    await tmux.type('yes');
    await tmux.sendKeys('Enter');
    await tmux.waitFor('restarting to apply it', RESTART_TIMEOUT_MS);
    await waitForRestart(server);

    const again = await ApiSession.signIn(server.url, ADMIN);
    const users = await again.json<Array<{ username: string }>>('GET', '/api/users');
    t.deepEqual(
      users.map((user) => user.username),
      ['admin'],
    );
    const restored = await again.json<{ events: Array<{ origin: string }> }>(
      'GET',
      '/api/audit?action=backup.restored',
    );
    t.deepEqual(
      restored.events.map((event) => event.origin),
      ['console'],
    );
  },
);

test.serial('a factory reset needs the hostname typed; then the setup wizard is back with a new CA', async (t) => {
  const { server } = await serverWithAdmin(t);
  const oldCa = await caFingerprint(server);
  const oldCaPem = await readFile(join(server.dataDir, 'certs', 'ca.pem'), 'utf8');
  const tmux = await openConsole(t, server);

  await tmux.sendKeys('5');
  await tmux.waitFor(`Type ${hostname()} to go ahead`);
  await tmux.type('yes');
  await tmux.sendKeys('Enter');
  await tmux.waitFor(CANCELLED);
  await ApiSession.signIn(server.url, ADMIN);

  await tmux.sendKeys('Enter');
  await tmux.waitFor(MENU);
  await tmux.sendKeys('5');
  await tmux.waitFor(`Type ${hostname()} to go ahead`);
  await tmux.type(hostname());
  await tmux.sendKeys('Enter');
  await tmux.waitFor('setup wizard', RESTART_TIMEOUT_MS);
  await waitForRestart(server);

  const newCa = await caFingerprint(server);
  t.not(newCa, oldCa, 'a new CA');
  trustForFetch(await readFile(join(server.dataDir, 'certs', 'ca.pem'), 'utf8'));
  const setup = (await (await fetch(`${server.url}/api/setup`)).json()) as { setupRequired: boolean };
  t.true(setup.setupRequired, 'the setup wizard is offered again');
  await t.throwsAsync(ApiSession.signIn(server.url, ADMIN));
  const authority = await readFile(join(server.dataDir, 'certs', 'authority.pem'), 'utf8');
  t.false(authority.includes(certificateBody(oldCaPem)), 'the old CA is gone');
});

test.serial('re-issuing the certificate shows its fingerprint, and the web service serves it at once', async (t) => {
  const { server } = await serverWithAdmin(t);
  const tmux = await openConsole(t, server);
  await tmux.sendKeys('7');
  await tmux.waitFor('Choose');
  await tmux.sendKeys('1');
  await tmux.waitFor('Type yes to go ahead').catch(() => undefined);
  if ((await tmux.capture()).includes('Type yes to go ahead')) {
    await tmux.type('yes');
    await tmux.sendKeys('Enter');
  }
  const screen = await tmux.waitFor(/Certificate SHA-256: ([0-9A-F:]+)/, RESTART_TIMEOUT_MS);
  await waitForRestart(server);
  const shown = /Certificate SHA-256: ([0-9A-F:]+)/.exec(screen)![1]!;
  const served = await servedFingerprint(server.httpsPort);
  // The screen may wrap the 95 characters of a fingerprint: what fits on its line must match.
  t.true(served.startsWith(shown), `shown ${shown}, served ${served}`);
});

test.serial('the shell asks for the console password an admin set, and refuses a wrong one', async (t) => {
  const { server, admin } = await serverWithAdmin(t);
  const set = await admin.request('PUT', '/api/system/console-password', {
    password: 'console passphrase 42',
    currentPassword: ADMIN.password,
  });
  t.true(set.ok, `console password: ${set.status}`);
  const tmux = await openConsole(t, server);

  await tmux.sendKeys('0');
  await tmux.waitFor('Password:');
  await tmux.type('not the password');
  await tmux.sendKeys('Enter');
  await tmux.waitFor('Wrong password. Try again.');
  t.notRegex(await tmux.capture(), /not the password/, 'nothing typed is shown');
  await tmux.type('console passphrase 42');
  await tmux.sendKeys('Enter');
  await tmux.waitFor(/[#$]\s*$/m, 15_000);
  await tmux.type('echo SHELL-$((6*7))');
  await tmux.sendKeys('Enter');
  await tmux.waitFor('SHELL-42');
  await tmux.type('exit');
  await tmux.sendKeys('Enter');
  await tmux.waitFor(MENU);

  const audit = await admin.json<{ events: Array<{ origin: string }> }>('GET', '/api/audit?action=console.shell');
  t.deepEqual(
    audit.events.map((event) => event.origin),
    ['console'],
  );
});

test.serial('a console killed in the middle of a restore leaves the old or the new configuration whole', async (t) => {
  const { server, admin } = await serverWithAdmin(t);
  t.true((await admin.request('POST', '/api/backups')).ok);
  await admin.json('POST', '/api/users', { username: 'later', password: 'made after the backup 1', role: 'viewer' });
  const tmux = await openConsole(t, server);
  await previewNewestStoredBackup(tmux);
  await tmux.type('yes');
  await tmux.sendKeys('Enter');
  // The terminal goes while the restore runs, as when a cable is pulled: the core finishes the staging on its own.
  await tmux.waitFor('Working');
  tmux.kill();

  await waitForRestart(server);
  const session = await ApiSession.signIn(server.url, ADMIN);
  const names = (await session.json<Array<{ username: string }>>('GET', '/api/users')).map((user) => user.username);
  t.deepEqual(names, ['admin'], 'the restore the console had confirmed went in whole');
  const journal = await readFile(join(server.dataDir, 'restore', 'journal.json'), 'utf8').catch(() => null);
  t.is(journal, null, 'nothing is left half-way');
});
