// The SQLite file in the data directory: created private on first boot, schema brought up by
// migrations, kept across restarts, and never touched when it cannot be opened.
import { createApp } from '@burrow/api/app';
import { parseEnv } from '@burrow/api/env';
import { createLogger } from '@burrow/api/logger';
import test from 'ava';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { startInProcessApi } from './in-process-api.js';

async function scratchDir(t: { teardown: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'burrow-db-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function bootFails(dataDir: string): Promise<unknown> {
  const env = parseEnv({ BURROW_DATA_DIR: dataDir, BURROW_UI_DIR: join(dataDir, 'no-ui') });
  const app = await createApp(env, createLogger('silent')).catch((error: unknown) => ({ error }));
  if ('error' in app) {
    return app.error;
  }
  await app.close();
  throw new Error('the API booted');
}

test('first boot creates a private data directory and the database, with migrations recorded', async (t) => {
  const dataDir = join(await scratchDir(t), 'nested', 'data');
  const api = await startInProcessApi({ dataDir });
  try {
    t.is((await stat(dataDir)).mode & 0o777, 0o700);
    t.true((await stat(join(dataDir, 'burrow.db'))).isFile());
    const dataSource = api.app.get(DataSource);
    const tables = await dataSource.query<Array<{ name: string }>>(
      "SELECT name FROM sqlite_master WHERE type = 'table'",
    );
    t.true(tables.some((table) => table.name === 'migrations'));
    t.deepEqual(await dataSource.query('PRAGMA journal_mode'), [{ journal_mode: 'wal' }]);
    t.deepEqual(await dataSource.query('PRAGMA foreign_keys'), [{ foreign_keys: 1 }]);
  } finally {
    await api.close();
  }
});

test('a restart keeps what was stored', async (t) => {
  const dataDir = join(await scratchDir(t), 'data');
  const first = await startInProcessApi({ dataDir });
  try {
    const dataSource = first.app.get(DataSource);
    await dataSource.query('CREATE TABLE kept (value TEXT NOT NULL)');
    await dataSource.query("INSERT INTO kept (value) VALUES ('still here')");
  } finally {
    await first.close();
  }
  const second = await startInProcessApi({ dataDir });
  try {
    t.deepEqual(await second.app.get(DataSource).query('SELECT value FROM kept'), [{ value: 'still here' }]);
  } finally {
    await second.close();
  }
});

test('a file that is not a database stops boot at once and is left exactly as it was', async (t) => {
  const dataDir = await scratchDir(t);
  const garbage = Buffer.from('this was never an SQLite database\n'.repeat(200));
  await writeFile(join(dataDir, 'burrow.db'), garbage);
  const started = Date.now();
  const error = await bootFails(dataDir);
  t.regex(String(error), /SQLITE_NOTADB|not a database/);
  // No retry loop: a local file that fails to open will not open later.
  t.true(Date.now() - started < 10_000, "TypeORM's default would retry for about 27 s");
  t.deepEqual(await readFile(join(dataDir, 'burrow.db')), garbage);
});

test('a data directory path that is a file stops boot with the reason', async (t) => {
  const dir = await scratchDir(t);
  await writeFile(join(dir, 'data'), '');
  const error = await bootFails(join(dir, 'data'));
  t.like(error, { code: 'EEXIST' });
});
