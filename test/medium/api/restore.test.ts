// Restoring a backup through the HTTP API: a configuration made on one box (users, one with 2FA and recovery codes,
// tunnel profiles, settings, its CA) comes back whole on a factory-fresh data dir after preview and apply; every
// session is signed out and the restored audit log records the restore. Every bad file or upload is refused with a
// clear code and nothing changed; a restore token works once, for its own session, within ten minutes.
import { RestoreWorkRepository } from '@burrow/api/repositories/restore-work.repository';
import { Clock } from '@burrow/api/services/clock';
import { GOOD_FILES } from '@burrow/api/tunnels/testing/provider-files';
import test from 'ava';
import { DataSource } from 'typeorm';
import { access, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apply, backUp, type Preview, previewUpload } from './backup-client.js';
import { type InProcessApi, startInProcessApi } from './in-process-api.js';
import {
  ADMIN_PASSWORD,
  call,
  createUser,
  login,
  setupAdmin,
  signIn,
  VIEWER_PASSWORD,
  withApi,
  type Session,
} from './session-client.js';
import { currentStep, totpCode } from '../../helpers/totp-code.js';

const PASSPHRASE = 'correct horse battery staple';
const FRESH_PASSWORD = 'fresh-pass-9q2w-granite';

interface Tunnel {
  name: string;
  priority: number;
  enabled: boolean;
  peers: Array<{ endpoint: string }>;
}

async function enrolTotp(api: InProcessApi, session: Session): Promise<{ secret: string; recoveryCodes: string[] }> {
  const started = await call<{ secret: string }>(api, '/api/account/totp/enrol', {
    method: 'POST',
    body: { password: ADMIN_PASSWORD },
    session,
  });
  const confirmed = await call<{ recoveryCodes: string[] }>(api, '/api/account/totp/confirm', {
    method: 'POST',
    body: { code: totpCode(started.body.secret, currentStep()) },
    session,
  });
  if (confirmed.status !== 200) {
    throw new Error(`confirm answered ${confirmed.status}`);
  }
  return { secret: started.body.secret, recoveryCodes: confirmed.body.recoveryCodes };
}

/** What a refusal must leave as it was: no work dir, nothing staged, the same users and CA. */
async function state(api: InProcessApi, admin: Session) {
  const work = (await readdir(join(api.dataDir, 'backups'))).filter((name) => name.startsWith('.restore-'));
  const staged = await access(join(api.dataDir, 'restore')).then(
    () => true,
    () => false,
  );
  const users = await call<Array<{ username: string }>>(api, '/api/users', { session: admin });
  return { work, staged, users: users.body.map((user) => user.username).sort(), ca: api.caPem };
}

const tunnelsOf = async (api: InProcessApi, session: Session) =>
  (await call<Tunnel[]>(api, '/api/tunnels', { session })).body.map((tunnel) => ({
    name: tunnel.name,
    priority: tunnel.priority,
    enabled: tunnel.enabled,
    endpoints: tunnel.peers.map((peer) => peer.endpoint),
  }));

test('round trip: a configuration comes back whole on a factory-fresh box, every session signed out', async (t) => {
  let backup: Buffer | undefined;
  let old: { caPem: string; tunnels: unknown; security: unknown; totpSecret: string; recoveryCodes: string[] };
  let oldSessions: Session[];
  {
    const api = await startInProcessApi();
    try {
      const admin = await setupAdmin(api);
      await createUser(api, admin, 'vera', VIEWER_PASSWORD, 'viewer');
      const { secret, recoveryCodes } = await enrolTotp(api, admin);
      for (const [name, file] of [
        ['home', GOOD_FILES['ipv4 only']!],
        ['travel', GOOD_FILES['dual stack with keepalive']!],
      ] as const) {
        const imported = await call(api, '/api/tunnels', {
          method: 'POST',
          session: admin,
          body: { name, config: file },
        });
        t.is(imported.status, 201);
      }
      // The household's devices are in the database too: a remote device and a LAN device's policy.
      const remote = await call(api, '/api/remote-access', {
        method: 'PUT',
        session: admin,
        body: { enabled: true, listenPort: 51820, addressV4: '10.99.0.1/24', addressV6: null, endpointHost: null },
      });
      t.is(remote.status, 200, JSON.stringify(remote.body));
      const phone = await call(api, '/api/remote-access/devices', {
        method: 'POST',
        session: admin,
        body: { name: 'phone', reach: 'lan', publicKey: Buffer.alloc(32, 0x5a).toString('base64') },
      });
      t.is(phone.status, 201, JSON.stringify(phone.body));
      const policy = await call(api, '/api/devices/02:00:00:00:00:0b', {
        method: 'PATCH',
        session: admin,
        body: { policy: 'blocked' },
      });
      t.is(policy.status, 200, JSON.stringify(policy.body));
      const security = { idleTimeoutMinutes: 20, absoluteLifetimeHours: 12, requireTotp: false };
      t.is((await call(api, '/api/settings/security', { method: 'PUT', body: security, session: admin })).status, 200);
      const passphrase = await call(api, '/api/backups/settings', {
        method: 'PUT',
        body: { passphrase: PASSPHRASE, currentPassword: ADMIN_PASSWORD, retention: 9 },
        session: admin,
      });
      t.is(passphrase.status, 200);
      oldSessions = [admin, await signIn(api, 'vera', VIEWER_PASSWORD)];
      backup = (await backUp(api, admin)).bytes;
      old = {
        caPem: api.caPem,
        tunnels: await tunnelsOf(api, admin),
        security: (await call(api, '/api/settings/security', { session: admin })).body,
        totpSecret: secret,
        recoveryCodes,
      };
    } finally {
      await api.close();
    }
  }

  // A data dir of our own: closing an API removes the one it made itself.
  const dataDir = await mkdtemp(join(tmpdir(), 'burrow-restore-'));
  const fresh = await startInProcessApi({ dataDir });
  let restoredApi: InProcessApi | undefined;
  try {
    const owner = await setupAdmin(fresh, 'owner', FRESH_PASSWORD);
    const preview = await previewUpload(fresh, owner, backup, PASSPHRASE);
    t.is(preview.status, 200, JSON.stringify(preview.body));
    const body = preview.body;
    t.deepEqual(
      body.users.map((user) => [user.username, user.role, user.totpEnabled]),
      [
        ['admin', 'admin', true],
        ['vera', 'viewer', false],
      ],
    );
    t.deepEqual(
      body.tunnels.map((tunnel) => tunnel.name),
      ['home', 'travel'],
    );
    t.true(body.tunnels[0]!.endpoints.length > 0);
    t.like(body.manifest, { format: 1, kind: 'manual' });
    t.true(body.authorityChanges, 'a fresh box has its own CA');
    t.not(body.currentAuthorityFingerprint, body.certificates.find((c) => c.role === 'authority')?.fingerprintSha256);
    const idle = body.settingChanges.find((change) => change.key === 'security.idleTimeoutMinutes');
    t.like(idle, { restored: '20', secret: false });
    const secret = body.settingChanges.find((change) => change.key === 'backups.passphrase');
    t.like(secret, { current: null, restored: null, secret: true });
    t.false(JSON.stringify(body).includes('PRIVATE KEY'));

    // The in-process API cannot restart itself: the restore applies at the next start.
    const applied = await apply(fresh, owner, body.token, FRESH_PASSWORD);
    t.is(applied.status, 202, JSON.stringify(applied.body));
    t.false(applied.body.restarting);
    t.regex(applied.body.message, /next starts/);
    const again = await apply(fresh, owner, body.token, FRESH_PASSWORD);
    t.is(again.status, 409);
    t.like(again.body, { code: 'restore_token_used' });
    await fresh.close();

    restoredApi = await startInProcessApi({ dataDir });
    const api = restoredApi;
    t.true(
      api.logs.some((line) => line.msg === 'applied the staged restore'),
      JSON.stringify(api.logs.slice(0, 5)),
    );
    t.is(api.caPem, old!.caPem, 'the CA is the backup’s');
    // Every session is signed out: the backup's own, and the fresh box's.
    for (const session of [...oldSessions!, owner]) {
      t.is((await call(api, '/api/auth/session', { session })).status, 401);
    }
    t.is((await login(api, { username: 'owner', password: FRESH_PASSWORD })).status, 401);
    t.like((await login(api, { username: 'admin', password: ADMIN_PASSWORD })).body, { code: 'totp_required' });
    const admin = await signIn(api, 'admin', ADMIN_PASSWORD, totpCode(old!.totpSecret, currentStep() + 1));
    await signIn(api, 'admin', ADMIN_PASSWORD, old!.recoveryCodes[0]);
    await signIn(api, 'vera', VIEWER_PASSWORD);
    t.deepEqual(await tunnelsOf(api, admin), old!.tunnels);
    const remoteDevices = await call<Array<{ name: string }>>(api, '/api/remote-access/devices', { session: admin });
    t.deepEqual(
      remoteDevices.body.map((device) => device.name),
      ['phone'],
    );
    const lanDevices = await call<Array<{ mac: string; policy: string }>>(api, '/api/devices', { session: admin });
    t.like(
      lanDevices.body.find((device) => device.mac === '02:00:00:00:00:0b'),
      { policy: 'blocked' },
    );
    t.deepEqual((await call(api, '/api/settings/security', { session: admin })).body, old!.security);
    t.like((await call(api, '/api/backups/settings', { session: admin })).body, { passphraseSet: true, retention: 9 });
    const audit = await call<{ events: Array<{ action: string; username: string; target: string }> }>(
      api,
      '/api/audit?limit=200',
      { session: admin },
    );
    const actions = audit.body.events.map((event) => event.action);
    t.like(
      audit.body.events.find((event) => event.action === 'backup.restored'),
      { username: 'owner', target: 'burrow-test.burrowbackup' },
    );
    // The restored log keeps its own history.
    t.true(actions.includes('setup.completed') && actions.includes('tunnel.imported'));
    // The backup made before the restore is still there, listed again.
    const listed = await call<Array<{ kind: string }>>(api, '/api/backups', { session: admin });
    t.true(listed.body.some((entry) => entry.kind === 'pre-restore'));
  } finally {
    await restoredApi?.close();
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('bad files and uploads are refused with a clear code, and nothing changes', async (t) => {
  await withApi({}, async (api) => {
    const admin = await setupAdmin(api);
    await call(api, '/api/backups/settings', {
      method: 'PUT',
      body: { passphrase: PASSPHRASE, currentPassword: ADMIN_PASSWORD },
      session: admin,
    });
    const { bytes } = await backUp(api, admin);
    await createUser(api, admin, 'vera', VIEWER_PASSWORD, 'viewer');
    const before = await state(api, admin);

    const refusals: Array<[string, Buffer, string | undefined, number, string]> = [
      ['wrong passphrase', bytes, 'not the passphrase at all', 400, 'backup_unreadable'],
      ['not a backup', Buffer.from('PK\u0003\u0004 a zip file, say'), PASSPHRASE, 400, 'not_a_backup'],
      ['empty', Buffer.alloc(0), PASSPHRASE, 400, 'not_a_backup'],
    ];
    for (const at of [20, 200, Math.floor(bytes.length / 2), bytes.length - 20, bytes.length - 1]) {
      const flipped = Buffer.from(bytes);
      flipped[at]! ^= 0x40;
      refusals.push([`byte ${at} flipped`, flipped, PASSPHRASE, 400, '']);
    }
    for (const length of [12, 100, Math.floor(bytes.length / 2), bytes.length - 1]) {
      refusals.push([`truncated to ${length}`, bytes.subarray(0, length), PASSPHRASE, 400, '']);
    }
    const newer = Buffer.from(bytes);
    newer.writeUInt16BE(9, 8);
    refusals.push(['newer format', newer, PASSPHRASE, 400, 'backup_newer_format']);

    for (const [what, file, passphrase, status, code] of refusals) {
      const reply = await previewUpload(api, admin, file, passphrase);
      t.is(reply.status, status, what);
      if (code !== '') {
        t.is(reply.body.code, code, what);
      } else {
        t.true(['backup_unreadable', 'not_a_backup'].includes(reply.body.code ?? ''), `${what}: ${reply.body.code}`);
      }
      t.deepEqual(await state(api, admin), before, what);
    }
    const wrong = await previewUpload(api, admin, bytes, 'not the passphrase at all');
    t.is(wrong.body.message, 'Wrong passphrase or damaged file');
    t.regex((await previewUpload(api, admin, newer, PASSPHRASE)).body.message ?? '', /format version 9.*up to 1/);

    // An upload is a multipart form, which a cross-site page could post: the CSRF header is still required.
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(bytes)]), 'x.burrowbackup');
    const forged = await fetch(`${api.url}/api/backups/restore/preview`, {
      method: 'POST',
      headers: { cookie: `__Host-burrow_session=${admin.token}` },
      body: form,
    });
    t.is(forged.status, 403);
    t.like(await forged.json(), { code: 'csrf_invalid' });
    t.deepEqual(await state(api, admin), before);

    api.app.get(RestoreWorkRepository).uploadLimitBytes = 1024;
    const large = await previewUpload(api, admin, bytes, PASSPHRASE);
    t.is(large.status, 413);
    t.is(large.body.code, 'payload_too_large');
    t.deepEqual(await state(api, admin), before);
  });
});

test('a backup made on another box without its passphrase needs the passphrase', async (t) => {
  let bytes: Buffer | undefined;
  await withApi({}, async (api) => {
    bytes = (await backUp(api, await setupAdmin(api))).bytes;
  });
  await withApi({}, async (api) => {
    const admin = await setupAdmin(api);
    const reply = await previewUpload(api, admin, bytes!);
    t.is(reply.status, 400);
    t.is(reply.body.code, 'no_slot_for_secret');
  });
});

test('a backup whose database a newer firmware migrated is refused at the preview, naming both versions', async (t) => {
  await withApi({}, async (api) => {
    const admin = await setupAdmin(api);
    // As if a later release had run one more migration on this database before the backup was made.
    await api.app
      .get(DataSource)
      .query(`INSERT INTO "migrations" ("timestamp", "name") VALUES (1999999999999, 'FromTheFuture1999999999999')`);
    const { id } = await backUp(api, admin);
    const before = await state(api, admin);
    const reply = await call<{ code: string; message: string }>(api, '/api/backups/restore/preview', {
      method: 'POST',
      body: { backupId: id },
      session: admin,
    });
    t.is(reply.status, 400);
    t.is(reply.body.code, 'backup_newer_schema');
    t.regex(reply.body.message, /newer Burrow .* this router .* update the router first/);
    t.deepEqual(await state(api, admin), before, 'nothing changed, no work dir left');
  });
});

test('a restore token works once, for its own session, within ten minutes, with the admin’s password', async (t) => {
  await withApi({}, async (api) => {
    const admin = await setupAdmin(api);
    const stored = await backUp(api, admin);
    const other = await signIn(api, 'admin', ADMIN_PASSWORD);
    const previewStored = (session: Session) =>
      call<Preview & { code?: string }>(api, '/api/backups/restore/preview', {
        method: 'POST',
        body: { backupId: stored.id },
        session,
      });
    const unknown = await call(api, '/api/backups/restore/preview', {
      method: 'POST',
      body: { backupId: 999 },
      session: admin,
    });
    t.is(unknown.status, 404);

    // A stored backup opens with this box's device key.
    const first = await previewStored(admin);
    t.is(first.status, 200, JSON.stringify(first.body));
    t.false(first.body.authorityChanges);

    t.is((await apply(api, other, first.body.token)).status, 410, "another session's token");
    const wrongPassword = await apply(api, admin, first.body.token, 'not-my-password-1');
    t.is(wrongPassword.status, 400);
    t.is(wrongPassword.body.code, 'wrong_password');

    const clock = api.app.get(Clock);
    const now = Date.now();
    clock.now = () => new Date(now + 10 * 60_000 + 1_000);
    const expired = await apply(api, admin, first.body.token);
    t.is(expired.status, 410);
    t.is(expired.body.code, 'restore_token_invalid');
    clock.now = () => new Date();
    const work = (await readdir(join(api.dataDir, 'backups'))).filter((name) => name.startsWith('.restore-'));
    t.deepEqual(work, [], 'an expired preview leaves nothing behind');
    await t.throwsAsync(access(join(api.dataDir, 'restore')));

    const second = await previewStored(admin);
    const applied = await apply(api, admin, second.body.token);
    t.is(applied.status, 202);
    t.like(applied.body, { restarting: false });
    const reused = await apply(api, admin, second.body.token);
    t.is(reused.status, 409);
    t.is(reused.body.code, 'restore_token_used');
    await access(join(api.dataDir, 'restore', 'journal.json'));
    // Staged once: another preview can be made, but applying it waits for the staged one.
    const third = await previewStored(admin);
    t.is((await apply(api, admin, third.body.token)).status, 409);
  });
});
