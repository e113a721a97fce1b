import { Injectable, Logger } from '@nestjs/common';
import { type Readable } from 'node:stream';
import { BACKUP_EXTENSION } from '../backups/backup-file.js';
import {
  BACKUP_KINDS,
  type BackupDto,
  type BackupKindName,
  type BackupSettingsDto,
  mapBackup,
  type UpdateBackupSettingsDto,
} from '../dtos/backup.dto.js';
import { BackupArchiveRepository } from '../repositories/backup-archive.repository.js';
import { BackupRepository } from '../repositories/backup.repository.js';
import { HostRepository } from '../repositories/host.repository.js';
import { BURROW_VERSION } from '../version.js';
import { AuditService } from './audit.service.js';
import { BackupSettingsService } from './backup-settings.service.js';
import { type ClientInfo } from './client-info.js';
import { Clock } from './clock.js';
import { DomainError } from './domain-error.js';
import { type AuthContext } from './session.service.js';

/** Who asked: an admin with their address, the recovery console (before its restore), or the box itself (daily). */
export type BackupActor = { user: { username: string }; client: ClientInfo } | { origin: 'console' } | 'system';

export interface BackupDownload {
  /** What the browser saves it as: `burrow-<hostname>-<time>.burrowbackup`. */
  filename: string;
  size: number;
  stream: Readable;
}

/** `20251213T033000123Z-daily.burrowbackup`: sortable, and says what it is when the row is lost. */
const FILE_NAME = new RegExp(
  `^(\\d{4})(\\d{2})(\\d{2})T(\\d{2})(\\d{2})(\\d{2})(\\d{3})Z-(${BACKUP_KINDS.join('|')})\\${BACKUP_EXTENSION}$`,
);

/**
 * Backups of the API's configuration (database snapshot, certificates and keys, CA included), each one file in the
 * data dir's backups directory, listed from the `backup` table. The newest `retention` backups of each kind are
 * kept, so the daily backups never push out a manual one or the one made before a restore.
 */
@Injectable()
export class BackupService {
  private readonly logger = new Logger(BackupService.name);
  /** One backup at a time: the daily one and an admin's never interleave their snapshots and pruning. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly records: BackupRepository,
    private readonly archive: BackupArchiveRepository,
    private readonly settings: BackupSettingsService,
    private readonly host: HostRepository,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  /** Newest first. */
  async list(): Promise<BackupDto[]> {
    return (await this.records.list()).map(mapBackup);
  }

  async newestDailyAt(): Promise<Date | null> {
    const newest = (await this.records.list('daily'))[0];
    return newest === undefined ? null : new Date(newest.createdAt);
  }

  create(kind: BackupKindName, actor: BackupActor): Promise<BackupDto> {
    const run = this.queue.then(() => this.createNow(kind, actor));
    this.queue = run.catch(() => undefined);
    return run;
  }

  async download(id: number, user: { username: string }, client: ClientInfo): Promise<BackupDownload> {
    const backup = await this.records.find(id);
    const file = backup === undefined ? undefined : await this.archive.open(backup.fileName);
    if (backup === undefined || file === undefined) {
      throw new DomainError('not_found', 'not_found', 'No such backup');
    }
    await this.audit.record({
      action: 'backup.downloaded',
      actor: user,
      address: client.address,
      target: backup.fileName,
      details: { kind: backup.kind },
    });
    return { filename: downloadName(this.host.hostname(), new Date(backup.createdAt)), ...file };
  }

  async delete(id: number, user: { username: string }, client: ClientInfo): Promise<void> {
    const deleted = await this.records.delete(id);
    if (deleted === undefined) {
      throw new DomainError('not_found', 'not_found', 'No such backup');
    }
    // The row goes first: a crash before the file is removed leaves a file the next start adopts or removes,
    // never a listed backup whose file is gone.
    await this.archive.remove(deleted.fileName);
    await this.audit.record({
      action: 'backup.deleted',
      actor: user,
      address: client.address,
      target: deleted.fileName,
      details: { kind: deleted.kind },
    });
  }

  /** Changes the settings; a lower retention deletes the backups it no longer keeps at once. */
  async updateSettings(
    input: UpdateBackupSettingsDto,
    auth: AuthContext,
    client: ClientInfo,
  ): Promise<BackupSettingsDto> {
    const updated = await this.settings.update(input, auth, client);
    await this.applyRetention();
    return updated;
  }

  /** Deletes all but the newest `retention` backups of each kind. */
  async applyRetention(): Promise<void> {
    const run = this.queue.then(() => this.prune(BACKUP_KINDS));
    this.queue = run.catch(() => undefined);
    await run;
  }

  /**
   * Makes the directory and the table agree, at start: work in progress left by a crash is removed; a row whose
   * file is gone is dropped; a finished file without a row (a crash between writing the file and its row) is
   * listed again, since its name says its kind and time; any other file is left alone and logged.
   */
  async reconcile(): Promise<void> {
    const removed = await this.archive.removeWorkInProgress();
    if (removed.length > 0) {
      this.logger.warn(`removed ${removed.length} unfinished backup file(s) left by an interruption`);
    }
    const files = new Set(await this.archive.fileNames());
    for (const row of await this.records.list()) {
      if (!files.delete(row.fileName)) {
        this.logger.warn(`backup ${row.fileName} is listed but its file is gone: dropped from the list`);
        await this.records.delete(row.id);
      }
    }
    for (const fileName of files) {
      const named = parseFileName(fileName);
      if (named === undefined) {
        this.logger.warn(`${fileName} in the backups directory is not a backup's name: left alone`);
        continue;
      }
      try {
        const described = await this.archive.describe(fileName);
        await this.records.insert({ ...named, fileName, ...described, createdBy: null });
        this.logger.warn(`backup ${fileName} was written but not listed: listed again`);
      } catch (error) {
        this.logger.error(`backup ${fileName} cannot be read (${String(error)}): removed`);
        await this.archive.remove(fileName);
      }
    }
  }

  private async createNow(kind: BackupKindName, actor: BackupActor): Promise<BackupDto> {
    const now = this.clock.now();
    const fileName = `${now.toISOString().replace(/[-:.]/g, '')}-${kind}${BACKUP_EXTENSION}`;
    const hostname = this.host.hostname();
    let written;
    try {
      written = await this.archive.write(
        fileName,
        { firmwareVersion: BURROW_VERSION, createdAt: now.toISOString(), hostname, kind },
        await this.settings.recipient(),
      );
    } catch (error) {
      this.logger.error(`backup ${fileName} failed: ${String(error)}`);
      throw new DomainError('unavailable', 'backup_failed', 'The backup could not be written; see the log');
    }
    let created;
    try {
      created = await this.records.insert({
        kind,
        createdAt: now.toISOString(),
        fileName,
        ...written,
        createdBy: actor === 'system' || !('user' in actor) ? null : actor.user.username,
      });
    } catch (error) {
      await this.archive.remove(fileName);
      throw error;
    }
    await this.audit.record(
      {
        action: 'backup.created',
        ...(actor === 'system'
          ? { actor: null, address: null }
          : 'user' in actor
            ? { actor: actor.user, address: actor.client.address }
            : { actor: null, address: null, origin: 'console' as const }),
        target: fileName,
        details: { kind, size: written.size, passphraseProtected: written.passphraseProtected },
      },
      now,
    );
    await this.prune([kind]);
    return mapBackup(created);
  }

  private async prune(kinds: readonly BackupKindName[]): Promise<void> {
    const { retention } = await this.settings.get();
    for (const kind of kinds) {
      for (const old of (await this.records.list(kind)).slice(retention)) {
        await this.records.delete(old.id);
        await this.archive.remove(old.fileName);
        await this.audit.record({
          action: 'backup.deleted',
          actor: null,
          address: null,
          target: old.fileName,
          details: { kind, reason: 'retention' },
        });
      }
    }
  }
}

function parseFileName(fileName: string): { kind: BackupKindName; createdAt: string } | undefined {
  const match = FILE_NAME.exec(fileName);
  if (match === null) {
    return undefined;
  }
  const [, year, month, day, hours, minutes, seconds, millis, kind] = match;
  const at = new Date(`${year}-${month}-${day}T${hours}:${minutes}:${seconds}.${millis}Z`);
  const known = BACKUP_KINDS.find((candidate) => candidate === kind);
  return Number.isNaN(at.getTime()) || known === undefined ? undefined : { kind: known, createdAt: at.toISOString() };
}

/** `burrow-<hostname>-<YYYYMMDD-HHMMSS>.burrowbackup` in UTC; the host name is reduced to what is safe in a header. */
export function downloadName(hostname: string, createdAt: Date): string {
  const host = hostname.replace(/[^A-Za-z0-9.-]/g, '').slice(0, 63) || 'router';
  const time = createdAt.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `burrow-${host}-${time}${BACKUP_EXTENSION}`;
}
