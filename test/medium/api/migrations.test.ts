// The real migrations, run by TypeORM on a temporary SQLite file exactly as the API runs them at boot.
import { dataSourceOptions } from '@burrow/api/database/data-source';
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
  t.deepEqual(await tableNames(dataSource), ['migrations', 'setting']);
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

test('every migration can be reverted, newest first, back to an empty schema', async (t) => {
  const dataSource = await openDatabase(t);
  const applied = await dataSource.runMigrations();
  for (let i = 0; i < applied.length; i++) {
    await dataSource.undoLastMigration();
  }
  t.deepEqual(await tableNames(dataSource), ['migrations']);
});
