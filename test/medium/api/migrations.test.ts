// The real migrations, run by TypeORM on a temporary SQLite file exactly as the API runs them at boot.
import { dataSourceOptions } from '@burrow/api/database/data-source';
import { migrations } from '@burrow/api/migrations/index';
import { usernameSkeleton } from '@burrow/api/services/username-policy';
import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';

async function openDatabase(t: { teardown: (fn: () => Promise<void>) => void }): Promise<DataSource> {
  const dir = await mkdtemp(join(tmpdir(), 'burrow-migrations-'));
  const dataSource = new DataSource({ ...dataSourceOptions(dir), migrationsRun: false });
  await dataSource.initialize();
  t.teardown(async () => {
    await dataSource.destroy();
    await rm(dir, { recursive: true, force: true });
  });
  return dataSource;
}

const tableNames = async (dataSource: DataSource): Promise<string[]> =>
  (
    await dataSource.query<Array<{ name: string }>>(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )
  ).map((row) => row.name);

test('the migrations create the schema, record themselves, and a second run does nothing', async (t) => {
  const dataSource = await openDatabase(t);
  t.false(dataSource.options.synchronize);
  const applied = await dataSource.runMigrations({ transaction: 'each' });
  t.true(applied.length > 0);
  t.deepEqual(await tableNames(dataSource), [
    'audit_event',
    'backup',
    'event',
    'lan_device',
    'login_attempt',
    'metrics_token',
    'migrations',
    'recovery_code',
    'remote_access',
    'remote_device',
    'server_secret',
    'session',
    'setting',
    'traffic_sample',
    'tunnel_profile',
    'user',
  ]);
  t.deepEqual(await dataSource.runMigrations(), []);
  t.false(await dataSource.showMigrations());
  t.deepEqual(await dataSource.query('PRAGMA journal_mode'), [{ journal_mode: 'wal' }]);
});

test('the setting table refuses values that are not JSON and empty keys', async (t) => {
  const dataSource = await openDatabase(t);
  await dataSource.runMigrations();
  const insert = (key: string, value: string) =>
    dataSource.query('INSERT INTO setting (key, value, updated_at) VALUES (?, ?, ?)', [key, value, '2026-01-01']);
  await insert('session.idleMinutes', '30');
  await t.throwsAsync(insert('broken', '{not json'), { message: /CHECK constraint/ });
  await t.throwsAsync(insert('', '1'), { message: /CHECK constraint/ });
});

const HASH = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA';
const NOW = '2026-01-01T00:00:00.000Z';

test('user names are unique regardless of case, roles are admin or viewer, hashes are argon2id', async (t) => {
  const dataSource = await openDatabase(t);
  await dataSource.runMigrations();
  const insert = (username: string, key: string, role: string, hash = HASH) =>
    dataSource.query(
      'INSERT INTO "user" (username, username_key, password_hash, role, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)',
      [username, key, hash, role, NOW, NOW],
    );
  await insert('Alice', 'alice', 'admin');
  await t.throwsAsync(insert('ALICE', 'alice', 'viewer'), { message: /UNIQUE constraint/ });
  await t.throwsAsync(insert('bob', 'bob', 'root'), { message: /CHECK constraint/ });
  await t.throwsAsync(insert('carol', 'carol', 'viewer', 'plaintext'), { message: /CHECK constraint/ });
  await t.throwsAsync(insert('x'.repeat(33), 'x'.repeat(33), 'viewer'), { message: /CHECK constraint/ });
});

test("deleting a user deletes their sessions and recovery codes, never the audit log's record of them", async (t) => {
  const dataSource = await openDatabase(t);
  await dataSource.runMigrations();
  await dataSource.query(
    'INSERT INTO "user" (id, username, username_key, password_hash, role, created_at, updated_at) VALUES (7, ?, ?, ?, ?, ?, ?)',
    ['dave', 'dave', HASH, 'viewer', NOW, NOW],
  );
  await dataSource.query(
    'INSERT INTO session (handle, token_hash, user_id, created_at, last_seen_at, address, user_agent) VALUES (?, ?, 7, ?, ?, ?, ?)',
    ['h1', 'a'.repeat(64), NOW, NOW, '127.0.0.1', 'test'],
  );
  await dataSource.query('INSERT INTO recovery_code (user_id, code_hash) VALUES (7, ?)', [HASH]);
  await dataSource.query('INSERT INTO audit_event (at, username, action) VALUES (?, ?, ?)', [
    NOW,
    'dave',
    'auth.login',
  ]);
  await dataSource.query('DELETE FROM "user" WHERE id = 7');
  t.deepEqual(await dataSource.query('SELECT count(*) AS n FROM session'), [{ n: 0 }]);
  t.deepEqual(await dataSource.query('SELECT count(*) AS n FROM recovery_code'), [{ n: 0 }]);
  t.deepEqual(await dataSource.query('SELECT username FROM audit_event'), [{ username: 'dave' }]);
  await t.throwsAsync(
    dataSource.query('INSERT INTO audit_event (at, action, details) VALUES (?, ?, ?)', [NOW, 'x', '[1]']),
    { message: /CHECK constraint/ },
  );
});

test('every migration can be reverted, newest first, back to an empty schema', async (t) => {
  const dataSource = await openDatabase(t);
  const applied = await dataSource.runMigrations();
  for (let i = 0; i < applied.length; i++) {
    await dataSource.undoLastMigration();
  }
  t.deepEqual(await tableNames(dataSource), ['migrations']);
});

test('names that already look alike keep signing in; the oldest keeps the name, and the audit log says so', async (t) => {
  const dataSource = await openDatabase(t);
  const before = new DataSource({ ...dataSource.options, migrations: migrations.slice(0, 2) });
  await before.initialize();
  await before.runMigrations();
  // Allowed until now: Latin "admin", Cyrillic "аdmin" (U+0430) and "ADMIN" with a Greek Alpha.
  for (const [id, username] of [
    [3, 'admin'],
    [5, '\u0430dmin'],
    [4, '\u0391DMIN'],
    [6, 'bob'],
  ] as const) {
    await before.query(
      'INSERT INTO "user" (id, username, username_key, password_hash, role, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      [id, username, username.toLowerCase(), HASH, 'viewer', NOW, NOW],
    );
  }
  await before.destroy();

  t.true((await dataSource.runMigrations()).length > 0);
  const rows = await dataSource.query<Array<{ username: string; username_key: string; skeleton: string | null }>>(
    'SELECT username, username_key, username_skeleton AS skeleton FROM "user" ORDER BY id',
  );
  t.deepEqual(
    rows.map((row) => [row.username, row.username_key, row.skeleton]),
    [
      ['admin', 'admin', usernameSkeleton('admin')],
      ['\u0391DMIN', '\u03b1dmin', null],
      ['\u0430dmin', '\u0430dmin', null],
      ['bob', 'bob', usernameSkeleton('bob')],
    ],
  );
  const audit = await dataSource.query<Array<{ action: string; target: string; details: string }>>(
    'SELECT action, target, details FROM audit_event ORDER BY id',
  );
  t.deepEqual(
    audit.map((event) => [event.action, event.target, JSON.parse(event.details) as unknown]),
    [
      ['user.name_confusable', '\u0391DMIN', { looksLike: 'admin' }],
      ['user.name_confusable', '\u0430dmin', { looksLike: 'admin' }],
    ],
  );
  // From now on the database itself refuses a look-alike.
  await t.throwsAsync(
    dataSource.query(
      'INSERT INTO "user" (username, username_key, username_skeleton, password_hash, role, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ['b\u043eb', 'b\u043eb', usernameSkeleton('b\u043eb'), HASH, 'viewer', NOW, NOW],
    ),
    { message: /UNIQUE constraint/ },
  );
});

test('a password must change only when the recovery console set it: existing users are not concerned', async (t) => {
  const dataSource = await openDatabase(t);
  await dataSource.runMigrations();
  await dataSource.undoLastMigration();
  await dataSource.query(
    'INSERT INTO "user" (id, username, username_key, password_hash, role, created_at, updated_at) VALUES (1, ?, ?, ?, ?, ?, ?)',
    ['dave', 'dave', HASH, 'admin', NOW, NOW],
  );
  await dataSource.runMigrations();
  t.deepEqual(await dataSource.query('SELECT password_must_change AS mustChange FROM "user"'), [{ mustChange: 0 }]);
  await dataSource.query('UPDATE "user" SET password_must_change = 1');
  await t.throwsAsync(dataSource.query('UPDATE "user" SET password_must_change = 2'), { message: /CHECK constraint/ });
});
