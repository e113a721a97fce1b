// Backups through the HTTP API on a real SQLite file: made, listed, downloaded byte for byte, deleted; admins only;
// the newest N of each kind kept; the passphrase set with the admin's password and never shown again; settings
// checked; everything audited; the database snapshot consistent while the API writes; the directory and the list
// reconciled at start; the daily backup made once a day. The file format is read only through its public API.
import { readBackupFile } from '@burrow/api/backups/backup-file';
import { loadOrCreateDeviceKey } from '@burrow/api/backups/device-key';
import { BackupSchedulerService } from '@burrow/api/services/backup-scheduler.service';
import { Clock } from '@burrow/api/services/clock';
import test from 'ava';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
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

interface Backup {
  id: number;
  kind: 'manual' | 'daily' | 'pre-restore';
  createdAt: string;
  size: number;
  sha256: string;
  passphraseProtected: boolean;
  createdBy: string | null;
}

interface AuditEvent {
  action: string;
  username: string | null;
  target: string | null;
  details: Record<string, unknown>;
}

const PASSPHRASE = 'correct horse battery staple';

const backupsDir = (api: InProcessApi) => join(api.dataDir, 'backups');
const backupFiles = async (api: InProcessApi) =>
  (await readdir(backupsDir(api))).filter((name) => name.endsWith('.burrowbackup')).sort();

async function createBackup(api: InProcessApi, session: Session): Promise<Backup> {
  const reply = await call<Backup>(api, '/api/backups', { method: 'POST', session });
  if (reply.status !== 201) {
    throw new Error(`creating a backup answered ${reply.status}: ${JSON.stringify(reply.body)}`);
  }
  return reply.body;
}

/** The backups of one kind, as listed: the daily timer of a long test must not disturb a count. */
async function listed(api: InProcessApi, session: Session, kind = 'manual'): Promise<Backup[]> {
  const reply = await call<Backup[]>(api, '/api/backups', { session });
  return reply.body.filter((backup) => backup.kind === kind);
}

async function auditOf(api: InProcessApi, session: Session): Promise<AuditEvent[]> {
  const reply = await call<{ events: AuditEvent[] }>(api, '/api/audit?limit=200', { session });
  return reply.body.events.filter((event) => event.action.startsWith('backup.'));
}

async function download(api: InProcessApi, session: Session, id: number) {
  const response = await fetch(`${api.url}/api/backups/${id}/download`, {
    headers: { cookie: `__Host-burrow_session=${session.token}` },
  });
  return { status: response.status, headers: response.headers, bytes: Buffer.from(await response.arrayBuffer()) };
}

/** Opens a stored backup with this box's device key into a fresh directory. */
async function extract(
  api: InProcessApi,
  fileName: string,
): Promise<{
  dir: string;
  manifest: { kind: string; hostname: string; firmwareVersion: string; parts: Array<{ name: string }> };
}> {
  const dir = join(await mkdtemp(join(tmpdir(), 'burrow-extract-')), 'out');
  const deviceKey = await loadOrCreateDeviceKey(api.dataDir);
  const manifest = await readBackupFile(join(backupsDir(api), fileName), { kind: 'device', deviceKey }, dir);
  return { dir, manifest };
}

async function openSnapshot(file: string): Promise<DataSource> {
  const dataSource = new DataSource({ type: 'sqlite', database: file });
  await dataSource.initialize();
  return dataSource;
}

test('a backup is made, listed, downloaded byte for byte, deleted, and each step audited', async (t) => {
  await withApi({}, async (api) => {
    const admin = await setupAdmin(api);
    t.deepEqual(await listed(api, admin), []);

    const backup = await createBackup(api, admin);
    t.like(backup, { kind: 'manual', passphraseProtected: false, createdBy: 'admin' });
    t.true(backup.size > 0);
    const [fileName] = await backupFiles(api);
    t.truthy(fileName);
    const stored = await readFile(join(backupsDir(api), fileName!));
    t.is(stored.length, backup.size);
    t.is(createHash('sha256').update(stored).digest('hex'), backup.sha256);
    t.deepEqual(await listed(api, admin), [backup]);

    // What is inside: the database and the certificates with the CA's key, and the manifest's facts.
    const { dir, manifest } = await extract(api, fileName!);
    t.like(manifest, { kind: 'manual' });
    t.is(typeof manifest.hostname, 'string');
    t.regex(manifest.firmwareVersion, /^\d+\.\d+\.\d+/);
    const names = manifest.parts.map((part) => part.name);
    t.true(names.includes('burrow.db'));
    t.true(names.includes('certs/authority.pem'), names.join(', '));
    t.is(
      await readFile(join(dir, 'certs/authority.pem'), 'utf8'),
      await readFile(join(api.dataDir, 'certs/authority.pem'), 'utf8'),
    );
    const snapshot = await openSnapshot(join(dir, 'burrow.db'));
    t.deepEqual(await snapshot.query(`SELECT "username" FROM "user"`), [{ username: 'admin' }]);
    await snapshot.destroy();
    await rm(join(dir, '..'), { recursive: true, force: true });

    const downloaded = await download(api, admin, backup.id);
    t.is(downloaded.status, 200);
    t.is(downloaded.headers.get('content-type'), 'application/octet-stream');
    t.regex(
      downloaded.headers.get('content-disposition') ?? '',
      /^attachment; filename="burrow-[A-Za-z0-9.-]+-\d{8}-\d{6}\.burrowbackup"$/,
    );
    t.is(downloaded.headers.get('cache-control'), 'no-store');
    t.true(downloaded.bytes.equals(stored));

    t.is((await call(api, `/api/backups/${backup.id}`, { method: 'DELETE', session: admin })).status, 204);
    t.deepEqual(await listed(api, admin), []);
    t.deepEqual(await backupFiles(api), []);
    t.is((await call(api, `/api/backups/${backup.id}`, { method: 'DELETE', session: admin })).status, 404);
    t.is((await download(api, admin, backup.id)).status, 404);

    const audit = (await auditOf(api, admin)).map(({ action, username, target }) => [action, username, target]);
    t.deepEqual(audit, [
      ['backup.deleted', 'admin', fileName],
      ['backup.downloaded', 'admin', fileName],
      ['backup.created', 'admin', fileName],
    ]);
  });
});

test('only admins may back up, list, download, delete or see the settings', async (t) => {
  await withApi({}, async (api) => {
    const admin = await setupAdmin(api);
    await createUser(api, admin, 'vera', VIEWER_PASSWORD, 'viewer');
    const viewer = await signIn(api, 'vera', VIEWER_PASSWORD);
    const backup = await createBackup(api, admin);

    t.is((await call(api, '/api/backups', { method: 'POST', session: viewer })).status, 403);
    t.is((await call(api, '/api/backups', { session: viewer })).status, 403);
    t.is((await download(api, viewer, backup.id)).status, 403);
    t.is((await call(api, `/api/backups/${backup.id}`, { method: 'DELETE', session: viewer })).status, 403);
    t.is((await call(api, '/api/backups/settings', { session: viewer })).status, 403);
    const put = await call(api, '/api/backups/settings', { method: 'PUT', session: viewer, body: { retention: 1 } });
    t.is(put.status, 403);
    t.is((await call(api, '/api/backups')).status, 401);
    t.deepEqual(await listed(api, admin), [backup]);
    t.is((await backupFiles(api)).length, 1);
  });
});

test('retention keeps exactly the newest N of a kind, and lowering it deletes the rest at once', async (t) => {
  await withApi({}, async (api) => {
    const admin = await setupAdmin(api);
    const set = await call(api, '/api/backups/settings', { method: 'PUT', session: admin, body: { retention: 2 } });
    t.like(set, { status: 200, body: { retention: 2 } });
    const made: Backup[] = [];
    for (let i = 0; i < 4; i++) {
      made.push(await createBackup(api, admin));
    }
    const kept = await listed(api, admin);
    t.deepEqual(
      kept.map((backup) => backup.id),
      [made[3]!.id, made[2]!.id],
    );
    t.is((await backupFiles(api)).filter((name) => name.includes('-manual')).length, 2);

    await call(api, '/api/backups/settings', { method: 'PUT', session: admin, body: { retention: 1 } });
    t.deepEqual(
      (await listed(api, admin)).map((backup) => backup.id),
      [made[3]!.id],
    );
    t.is((await backupFiles(api)).filter((name) => name.includes('-manual')).length, 1);
    const pruned = (await auditOf(api, admin)).filter((event) => event.details.reason === 'retention');
    t.is(pruned.length, 3);
    t.true(pruned.every((event) => event.username === null));
  });
});

test('the passphrase needs the current password, at least 12 characters, and is never returned', async (t) => {
  await withApi({}, async (api) => {
    const admin = await setupAdmin(api);
    t.deepEqual((await call(api, '/api/backups/settings', { session: admin })).body, {
      passphraseSet: false,
      retention: 7,
      dailyAt: '03:30',
    });
    const put = (body: unknown) => call(api, '/api/backups/settings', { method: 'PUT', session: admin, body });

    t.like(await put({ passphrase: PASSPHRASE }), { status: 400, body: { code: 'password_required' } });
    t.like(await put({ passphrase: PASSPHRASE, currentPassword: 'not-the-password' }), {
      status: 400,
      body: { code: 'wrong_password' },
    });
    const short = await put({ passphrase: 'short-phrase', currentPassword: ADMIN_PASSWORD });
    t.is(short.status, 200, 'exactly 12 characters is enough');
    const shorter = await put({ passphrase: 'eleven-char', currentPassword: ADMIN_PASSWORD });
    t.like(shorter, { status: 400, body: { code: 'backup_passphrase_too_short' } });
    t.regex(String((shorter.body as { message: string }).message), /CA key/);

    const ok = await put({ passphrase: PASSPHRASE, currentPassword: ADMIN_PASSWORD });
    t.like(ok, { status: 200, body: { passphraseSet: true } });
    const settings = await call(api, '/api/backups/settings', { session: admin });
    t.deepEqual(settings.body, { passphraseSet: true, retention: 7, dailyAt: '03:30' });

    const stored = JSON.stringify(await api.app.get(DataSource).query(`SELECT * FROM "setting"`));
    t.false(stored.includes(PASSPHRASE));
    t.true(stored.includes('backups.passphrase'));
    const backup = await createBackup(api, admin);
    t.true(backup.passphraseProtected);

    const changes = (await auditOf(api, admin)).filter((event) => event.action === 'backup.settings_changed');
    t.deepEqual(
      changes.map((event) => event.details),
      [{ passphrase: 'changed' }, { passphrase: 'set' }],
    );
    t.false(JSON.stringify(await call(api, '/api/audit?limit=200', { session: admin })).includes(PASSPHRASE));
    t.false(JSON.stringify(api.logs).includes(PASSPHRASE));
  });
});

test('settings out of range or malformed are refused and change nothing', async (t) => {
  await withApi({}, async (api) => {
    const admin = await setupAdmin(api);
    const put = (body: unknown) => call(api, '/api/backups/settings', { method: 'PUT', session: admin, body });
    for (const body of [
      { retention: 0 },
      { retention: 31 },
      { retention: 2.5 },
      { retention: '7' },
      { dailyAt: '24:00' },
      { dailyAt: '3:30' },
      { dailyAt: '03:60' },
      { dailyAt: 'noon' },
      { dailyAt: 330 },
    ]) {
      t.is((await put(body)).status, 400, JSON.stringify(body));
    }
    t.deepEqual((await call(api, '/api/backups/settings', { session: admin })).body, {
      passphraseSet: false,
      retention: 7,
      dailyAt: '03:30',
    });
    t.like(await put({ retention: 30, dailyAt: '23:59' }), { status: 200, body: { retention: 30, dailyAt: '23:59' } });
    const [change] = await auditOf(api, admin);
    t.like(change, {
      action: 'backup.settings_changed',
      username: 'admin',
      details: { retention: 30, dailyAt: '23:59' },
    });
  });
});

test('the database snapshot is consistent while the API keeps writing', async (t) => {
  await withApi({}, async (api) => {
    const admin = await setupAdmin(api);
    const dataSource = api.app.get(DataSource);
    let writing = true;
    let written = 0;
    // Each statement writes a pair: a consistent snapshot holds both rows of a pair or neither. (One statement
    // rather than a transaction: TypeORM's SQLite driver shares one connection, so this test's transactions would
    // tangle with the API's own.)
    const writer = (async () => {
      while (writing) {
        const n = written;
        await dataSource.query(
          `INSERT INTO "setting" ("key", "value", "updated_at") VALUES (?, '1', ''), (?, '1', '')`,
          [`t.${n}.a`, `t.${n}.b`],
        );
        written++;
      }
    })();
    const backups: Backup[] = [];
    for (let i = 0; i < 3; i++) {
      backups.push(await createBackup(api, admin));
    }
    writing = false;
    await writer;
    t.true(written > 0);
    for (const fileName of await backupFiles(api)) {
      const { dir } = await extract(api, fileName);
      const snapshot = await openSnapshot(join(dir, 'burrow.db'));
      t.deepEqual(await snapshot.query('PRAGMA integrity_check'), [{ integrity_check: 'ok' }]);
      const keys = (
        await snapshot.query<Array<{ key: string }>>(`SELECT "key" FROM "setting" WHERE "key" LIKE 't.%'`)
      ).map(({ key }) => key);
      const pairs = new Set(keys.map((key) => key.slice(0, -2)));
      t.is(keys.length, pairs.size * 2, 'no transaction is half in the snapshot');
      // Writes are sequential: the snapshot holds the first k pairs, without a gap.
      t.deepEqual([...pairs].sort(), Array.from({ length: pairs.size }, (_, n) => `t.${n}`).sort());
      await snapshot.destroy();
      await rm(join(dir, '..'), { recursive: true, force: true });
    }
  });
});

test('at start, unfinished files go, a listed backup without its file goes, a finished unlisted one is listed', async (t) => {
  const dataDir = join(await mkdtemp(join(tmpdir(), 'burrow-backups-')), 'data');
  try {
    let kept: Backup;
    let lost: Backup;
    let first = await startInProcessApi({ dataDir });
    try {
      const admin = await setupAdmin(first);
      lost = await createBackup(first, admin);
      kept = await createBackup(first, admin);
    } finally {
      await first.close();
    }
    const dir = join(dataDir, 'backups');
    const [lostFile, keptFile] = (await readdir(dir)).filter((name) => name.endsWith('.burrowbackup')).sort();
    await rm(join(dir, lostFile!));
    await writeFile(join(dir, `.${keptFile!}.tmp-1234`), 'half a file');
    await mkdir(join(dir, '.work-abcd'));
    await writeFile(join(dir, '.work-abcd', 'burrow.db'), 'half a snapshot');
    const orphan = '20200102T030405006Z-daily.burrowbackup';
    await copyFile(join(dir, keptFile!), join(dir, orphan));
    await writeFile(join(dir, 'notes.txt'), 'not ours to delete');

    first = await startInProcessApi({ dataDir });
    try {
      const admin = await signIn(first, 'admin', ADMIN_PASSWORD);
      const all = (await call<Backup[]>(first, '/api/backups', { session: admin })).body;
      t.deepEqual(
        all.map((backup) => [backup.kind, backup.createdAt]),
        [
          ['manual', kept.createdAt],
          ['daily', '2020-01-02T03:04:05.006Z'],
        ],
      );
      t.false(all.some((backup) => backup.id === lost.id));
      const adopted = all[1]!;
      t.is(adopted.sha256, kept.sha256);
      t.is(adopted.size, kept.size);
      t.is(adopted.createdBy, null);
      t.deepEqual((await readdir(dir)).sort(), ['device.key', keptFile!, 'notes.txt', orphan].sort());
      const downloaded = await download(first, admin, adopted.id);
      t.true(downloaded.bytes.equals(await readFile(join(dir, orphan))));
    } finally {
      await first.close();
    }
  } finally {
    await rm(join(dataDir, '..'), { recursive: true, force: true });
  }
});

test('the daily backup is made once a day at its time, whatever the clock does', async (t) => {
  await withApi({}, async (api) => {
    const admin = await setupAdmin(api);
    const clock = api.app.get(Clock);
    const scheduler = api.app.get(BackupSchedulerService);
    await call(api, '/api/backups/settings', { method: 'PUT', session: admin, body: { dailyAt: '04:15' } });
    const at = (days: number, hours: number, minutes: number) => {
      const date = new Date();
      date.setDate(date.getDate() + days);
      date.setHours(hours, minutes, 0, 0);
      return date;
    };
    const tick = async (date: Date) => {
      clock.now = () => date;
      await scheduler.check();
    };
    await tick(at(1, 4, 0));
    t.is((await listed(api, admin, 'daily')).length, 0, 'not before its time');
    await tick(at(1, 4, 15));
    t.is((await listed(api, admin, 'daily')).length, 1);
    await tick(at(1, 4, 16));
    await tick(at(1, 23, 0));
    t.is((await listed(api, admin, 'daily')).length, 1, 'once a day');
    // The clock jumps a week ahead: one backup, not seven.
    await tick(at(8, 12, 0));
    await tick(at(8, 12, 1));
    t.is((await listed(api, admin, 'daily')).length, 2);
    // And back to the first day, after its backup: nothing new that day.
    await tick(at(1, 23, 30));
    t.is((await listed(api, admin, 'daily')).length, 2);
    const created = (await auditOf(api, admin)).filter((event) => event.action === 'backup.created');
    t.true(created.some((event) => event.username === null && event.details.kind === 'daily'));
  });
});
