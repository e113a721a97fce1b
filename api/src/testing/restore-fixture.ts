// Data dirs for restore tests: an "old" configuration as a crash leaves it (a real SQLite database whose rows are
// still partly in its write-ahead log, certificates, and burrowd's files beside them), a "new" one as a verified
// backup extracts, and a digest of a data dir that reads the database through SQLite and every other file by bytes.
import { createHash } from 'node:crypto';
import { copyFile, cp, mkdir, mkdtemp, readFile, readdir, lstat, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sqlite3 from 'sqlite3';

const DATABASE = 'burrow.db';

/** Writes the old configuration into `dataDir`; the database is copied while open, so its -wal holds rows. */
export async function writeOldConfiguration(dataDir: string): Promise<void> {
  await mkdir(join(dataDir, 'certs'), { recursive: true });
  await writeFile(join(dataDir, 'certs', 'authority.pem'), 'old CA key and certificate\n');
  await writeFile(join(dataDir, 'certs', 'server.pem'), 'old server key and certificate\n');
  await writeFile(join(dataDir, 'certs', 'imported.pem'), 'an imported certificate only the old configuration has\n');
  await writeBurrowdFiles(dataDir);
  const scratch = await mkdtemp(join(tmpdir(), 'burrow-restore-old-'));
  try {
    const db = await openDatabase(join(scratch, DATABASE));
    try {
      await run(db, 'PRAGMA journal_mode = WAL');
      await run(db, 'PRAGMA wal_autocheckpoint = 0');
      await run(db, 'CREATE TABLE user (id INTEGER PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL)');
      for (const [name, role] of [
        ['alice', 'admin'],
        ['bob', 'user'],
        ['carol', 'user'],
      ]) {
        await run(db, 'INSERT INTO user (name, role) VALUES (?, ?)', [name, role]);
      }
      // Copied while the connection is open: the rows live only in the log, as after a crash.
      for (const suffix of ['', '-wal', '-shm']) {
        await copyFile(join(scratch, `${DATABASE}${suffix}`), join(dataDir, `${DATABASE}${suffix}`));
      }
    } finally {
      await close(db);
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Writes the new configuration, laid out as a backup extracts it: the database as one file, and certs/. */
export async function writeNewConfiguration(extractedDir: string): Promise<void> {
  await mkdir(join(extractedDir, 'certs'), { recursive: true });
  await writeFile(join(extractedDir, 'certs', 'authority.pem'), 'new CA key and certificate\n');
  await writeFile(join(extractedDir, 'certs', 'server.pem'), 'new server key and certificate\n');
  await writeFile(join(extractedDir, 'certs', 'state.json'), '{"mode":"built-in"}\n');
  const db = await openDatabase(join(extractedDir, DATABASE));
  try {
    await run(db, 'CREATE TABLE user (id INTEGER PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL)');
    await run(db, 'CREATE TABLE tunnel_profile (id INTEGER PRIMARY KEY, name TEXT NOT NULL)');
    await run(db, "INSERT INTO user (name, role) VALUES ('dave', 'admin')");
    await run(db, "INSERT INTO tunnel_profile (name) VALUES ('home')");
  } finally {
    await close(db);
  }
}

/** burrowd's and run-time files, which no restore may touch. */
async function writeBurrowdFiles(dataDir: string): Promise<void> {
  await mkdir(join(dataDir, 'burrowd'), { recursive: true });
  await writeFile(join(dataDir, 'burrowd', 'desired-state.json'), '{"version":1}\n');
  await writeFile(join(dataDir, 'dnsmasq.leases'), '1700000000 02:00:00:00:00:01 192.168.8.10 laptop *\n');
  await mkdir(join(dataDir, 'backups'), { recursive: true });
  await writeFile(join(dataDir, 'backups', 'device.key'), Buffer.alloc(32, 7));
}

/**
 * One line per entry of the data dir, sorted: files by their bytes' SHA-256, and the database by a dump of its
 * schema and rows read through SQLite from a copy (with its -wal, as SQLite would open the live one).
 */
export async function digestDataDir(dataDir: string): Promise<string> {
  const lines: string[] = [];
  await walk(dataDir, '', lines);
  return lines.join('\n');
}

async function walk(root: string, relative: string, lines: string[]): Promise<void> {
  for (const name of (await readdir(join(root, relative))).sort()) {
    const path = join(relative, name);
    const stats = await lstat(join(root, path));
    if (path === `${DATABASE}-wal` || path === `${DATABASE}-shm`) {
      continue;
    } else if (path === DATABASE) {
      lines.push(`database ${await dumpDatabase(root)}`);
    } else if (stats.isDirectory()) {
      lines.push(`dir ${path}`);
      await walk(root, path, lines);
    } else if (stats.isFile()) {
      lines.push(
        `file ${path} ${createHash('sha256')
          .update(await readFile(join(root, path)))
          .digest('hex')}`,
      );
    } else {
      lines.push(`other ${path}`);
    }
  }
}

async function dumpDatabase(dataDir: string): Promise<string> {
  const scratch = await mkdtemp(join(tmpdir(), 'burrow-restore-digest-'));
  try {
    await cp(join(dataDir, DATABASE), join(scratch, DATABASE));
    try {
      await cp(join(dataDir, `${DATABASE}-wal`), join(scratch, `${DATABASE}-wal`));
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'ENOENT') {
        throw error;
      }
    }
    const db = await openDatabase(join(scratch, DATABASE));
    try {
      const tables = await all(db, "SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name");
      const dump: unknown[] = [];
      for (const table of tables) {
        dump.push(table, await all(db, `SELECT * FROM "${String(table.name)}" ORDER BY rowid`));
      }
      return JSON.stringify(dump);
    } finally {
      await close(db);
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

function openDatabase(file: string): Promise<sqlite3.Database> {
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(file, (error) => (error === null ? resolve(db) : reject(error)));
  });
}

function run(db: sqlite3.Database, sql: string, params: unknown[] = []): Promise<void> {
  return new Promise((resolve, reject) => db.run(sql, params, (error) => (error === null ? resolve() : reject(error))));
}

function all(db: sqlite3.Database, sql: string): Promise<Array<Record<string, unknown>>> {
  return new Promise((resolve, reject) =>
    db.all<Record<string, unknown>>(sql, (error, rows) => (error === null ? resolve(rows) : reject(error))),
  );
}

function close(db: sqlite3.Database): Promise<void> {
  return new Promise((resolve, reject) => db.close((error) => (error === null ? resolve() : reject(error))));
}
