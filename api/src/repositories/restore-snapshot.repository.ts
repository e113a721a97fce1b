// The database inside a backup being restored, opened on its own SQLite connection (never through the app's
// TypeORM data source, which holds the live database): read-only for the preview, and written once just before it
// is staged, to sign every restored session out and to record the restore in the restored audit log.
import { Injectable } from '@nestjs/common';
import sqlite3 from 'sqlite3';
import { migrations } from '../migrations/index.js';

/** The migrations this build runs, by the name TypeORM records for each (its class name). */
const KNOWN_MIGRATIONS = new Set(migrations.map((migration) => migration.name));

export interface SnapshotUser {
  username: string;
  role: string;
  disabled: boolean;
  totpEnabled: boolean;
}

export interface SnapshotTunnel {
  name: string;
  enabled: boolean;
  endpoints: string[];
}

export interface SnapshotContent {
  users: SnapshotUser[];
  tunnels: SnapshotTunnel[];
  /** Every setting, its stored JSON text by key. */
  settings: Map<string, string>;
  /**
   * Schema migrations the snapshot's database has been through that this build does not know: a backup from a newer
   * firmware, whose database this API could not open (so restoring it would leave the box without its web page).
   */
  unknownMigrations: string[];
}

/** The restore as the restored audit log records it. */
export interface RestoreRecord {
  at: Date;
  /** The admin who restored it, or null for the recovery console. */
  username: string | null;
  address: string | null;
  origin: 'web' | 'console';
  /** What was restored: the uploaded file's name or the stored backup's. */
  target: string;
  details: Record<string, string | number | boolean | null>;
}

/** The snapshot is not a database of ours (or SQLite cannot read it). */
export class SnapshotUnreadableError extends Error {
  override name = 'SnapshotUnreadableError';
}

@Injectable()
export class RestoreSnapshotRepository {
  /** The users, tunnel profiles and settings the snapshot would restore. */
  async read(databasePath: string): Promise<SnapshotContent> {
    const db = await open(databasePath, sqlite3.OPEN_READONLY);
    try {
      const users = await all<{ username: string; role: string; disabled: number; totp: number }>(
        db,
        `SELECT "username", "role", "disabled", "totp_secret" IS NOT NULL AS "totp" FROM "user" ORDER BY "username_key"`,
      );
      const tunnels = await all<{ name: string; enabled: number; profile: string }>(
        db,
        `SELECT "name", "enabled", "profile" FROM "tunnel_profile" ORDER BY "priority"`,
      );
      const settings = await all<{ key: string; value: string }>(
        db,
        `SELECT "key", "value" FROM "setting" ORDER BY "key"`,
      );
      const applied = await all<{ name: string }>(db, `SELECT "name" FROM "migrations" ORDER BY "timestamp"`);
      return {
        users: users.map((row) => ({
          username: row.username,
          role: row.role,
          disabled: row.disabled === 1,
          totpEnabled: row.totp === 1,
        })),
        tunnels: tunnels.map((row) => ({
          name: row.name,
          enabled: row.enabled === 1,
          endpoints: endpoints(row.profile),
        })),
        settings: new Map(settings.map((row) => [row.key, row.value])),
        unknownMigrations: applied.map((row) => row.name).filter((name) => !KNOWN_MIGRATIONS.has(name)),
      };
    } catch (error) {
      throw new SnapshotUnreadableError(`the backup's database cannot be read: ${String(error)}`);
    } finally {
      await close(db);
    }
  }

  /**
   * Readies the snapshot to become the live database: its sessions are deleted (every session is signed out by a
   * restore, those of the backup's time above all) and the restore is appended to its audit log, which keeps its own
   * history. One transaction; the connection is closed (and its log checkpointed away) before the file is staged.
   */
  async prepareForRestore(databasePath: string, record: RestoreRecord): Promise<void> {
    const db = await open(databasePath, sqlite3.OPEN_READWRITE);
    try {
      await run(db, 'BEGIN IMMEDIATE');
      try {
        await run(db, 'DELETE FROM "session"');
        const values = [
          record.at.toISOString(),
          record.username,
          record.address,
          'backup.restored',
          record.target,
          JSON.stringify(record.details),
        ];
        // A backup from before events had an origin has no column for it: its migration, run when the restored
        // database opens, calls an event without a person or an address the system's.
        const columns = await all<{ name: string }>(db, `SELECT "name" FROM pragma_table_info('audit_event')`);
        if (columns.some((column) => column.name === 'origin')) {
          await run(
            db,
            `INSERT INTO "audit_event" ("at", "username", "address", "action", "target", "details", "origin") VALUES (?, ?, ?, ?, ?, ?, ?)`,
            [...values, record.origin],
          );
        } else {
          await run(
            db,
            `INSERT INTO "audit_event" ("at", "username", "address", "action", "target", "details") VALUES (?, ?, ?, ?, ?, ?)`,
            values,
          );
        }
        await run(db, 'COMMIT');
      } catch (error) {
        await run(db, 'ROLLBACK').catch(() => undefined);
        throw error;
      }
    } finally {
      await close(db);
    }
  }
}

/** A profile's peers' endpoints; a profile that does not parse shows none rather than failing the preview. */
function endpoints(profileJson: string): string[] {
  try {
    const profile = JSON.parse(profileJson) as { peers?: Array<{ endpoint?: unknown }> };
    return (profile.peers ?? []).flatMap((peer) => (typeof peer.endpoint === 'string' ? [peer.endpoint] : []));
  } catch {
    return [];
  }
}

function open(path: string, mode: number): Promise<sqlite3.Database> {
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(path, mode, (error) => (error === null ? resolve(db) : reject(error)));
  });
}

function close(db: sqlite3.Database): Promise<void> {
  return new Promise((resolve, reject) => db.close((error) => (error === null ? resolve() : reject(error))));
}

function run(db: sqlite3.Database, sql: string, parameters: unknown[] = []): Promise<void> {
  return new Promise((resolve, reject) =>
    db.run(sql, parameters, (error: Error | null) => (error === null ? resolve() : reject(error))),
  );
}

function all<T>(db: sqlite3.Database, sql: string): Promise<T[]> {
  return new Promise((resolve, reject) =>
    db.all<T>(sql, (error: Error | null, rows: T[]) => (error === null ? resolve(rows) : reject(error))),
  );
}
