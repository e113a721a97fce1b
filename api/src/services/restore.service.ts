import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { type IncomingHttpHeaders } from 'node:http';
import { type Readable } from 'node:stream';
import { BackupFileError } from '../backups/backup-file-error.js';
import { RestoreContentError, RestoreStateError } from '../backups/restore-journal.js';
import { describeCertificate } from '../certificates/x509/describe.js';
import { BACKUP_KINDS } from '../dtos/backup.dto.js';
import {
  type RestoreAppliedDto,
  type RestorePreviewDto,
  type RestoreSettingChangeDto,
  RESTORE_TOKEN_TTL_MS,
} from '../dtos/restore.dto.js';
import { BackupRepository } from '../repositories/backup.repository.js';
import { CryptoRepository } from '../repositories/crypto.repository.js';
import { RestoreSnapshotRepository, SnapshotUnreadableError } from '../repositories/restore-snapshot.repository.js';
import {
  type ExtractedBackup,
  type OpenSecret,
  type ReceivedUpload,
  RestoreWorkRepository,
  UploadError,
} from '../repositories/restore-work.repository.js';
import { SettingRepository } from '../repositories/setting.repository.js';
import { RestartCoordinator } from '../server/restart-coordinator.js';
import { BURROW_VERSION } from '../version.js';
import { AccountService } from './account.service.js';
import { BackupService } from './backup.service.js';
import { CertificateService } from './certificate.service.js';
import { type ClientInfo } from './client-info.js';
import { Clock } from './clock.js';
import { DomainError } from './domain-error.js';
import { type AuthContext } from './session.service.js';

/** 256 bits: the token alone applies a restore (with the password), so it must not be guessable. */
const TOKEN_BYTES = 32;
/** Each preview keeps an extracted copy on the data partition until it is applied or expires. */
const MAX_PENDING = 4;

/** Settings whose values a preview may show; any other key (a webhook URL, the passphrase's public side, a key a
 * later firmware added) is only said to change. */
const SHOWN_SETTINGS = new Set([
  'security.idleTimeoutMinutes',
  'security.absoluteLifetimeHours',
  'security.requireTotp',
  'backups.retention',
  'backups.dailyAt',
  'gateway.killSwitch',
  'gateway.selectedTunnelId',
  'gateway.exitCheckUrl',
]);

interface PendingRestore {
  /** The session that previewed it: only that session may apply it. */
  sessionHandle: string;
  workDir: string;
  extracted: ExtractedBackup;
  source: string;
  expiresAt: number;
  state: 'ready' | 'applying' | 'used';
}

/**
 * Restores a backup in two steps. The preview verifies and extracts the file into a work dir on the data partition,
 * reads what it would restore from its own copy of the database, and hands out a single-use token bound to the
 * admin's session; nothing live changes. Applying the token (with the admin's password) makes a `pre-restore`
 * backup of the configuration it replaces, signs every restored session out and records the restore in the
 * restored audit log, stages the content with its journal, and restarts the API, whose next start swaps it in
 * before the database opens (backups/restore-journal.ts): a crash at any instant leaves the old or the new
 * configuration, whole.
 */
@Injectable()
export class RestoreService implements OnApplicationShutdown {
  private readonly logger = new Logger(RestoreService.name);
  /** By the token's SHA-256, so a lookup's timing says nothing about the token. */
  private readonly pending = new Map<string, PendingRestore>();

  constructor(
    private readonly work: RestoreWorkRepository,
    private readonly snapshot: RestoreSnapshotRepository,
    private readonly settings: SettingRepository,
    private readonly records: BackupRepository,
    private readonly backups: BackupService,
    private readonly certificates: CertificateService,
    private readonly account: AccountService,
    private readonly crypto: CryptoRepository,
    private readonly restart: RestartCoordinator,
    private readonly clock: Clock,
  ) {}

  /**
   * An uploaded file, streamed to a work dir (never whole in memory, refused over the limit with nothing kept), then
   * opened with its passphrase or, without one, this box's device key.
   */
  async previewUpload(headers: IncomingHttpHeaders, body: Readable, auth: AuthContext): Promise<RestorePreviewDto> {
    let upload: ReceivedUpload;
    try {
      upload = await this.work.receive(headers, body);
    } catch (error) {
      throw refusal(error);
    }
    const secret: OpenSecret =
      upload.passphrase === undefined || upload.passphrase === ''
        ? { kind: 'device' }
        : { kind: 'passphrase', passphrase: upload.passphrase };
    try {
      const extracted = await this.work.extract(upload.file, secret, upload.workDir);
      await this.work.removeFile(upload.file);
      return await this.preview(upload.workDir, extracted, upload.fileName, auth);
    } catch (error) {
      await this.work.discard(upload.workDir);
      throw refusal(error);
    }
  }

  /** A stored backup, opened with the passphrase when given, else with this box's device key. */
  async previewStored(backupId: number, passphrase: string | undefined, auth: AuthContext): Promise<RestorePreviewDto> {
    const backup = await this.records.find(backupId);
    if (backup === undefined) {
      throw new DomainError('not_found', 'not_found', 'No such backup');
    }
    const secret: OpenSecret =
      passphrase === undefined || passphrase === '' ? { kind: 'device' } : { kind: 'passphrase', passphrase };
    const workDir = await this.work.createWorkDir();
    try {
      const extracted = await this.work.extract(this.work.storedFile(backup.fileName), secret, workDir);
      return await this.preview(workDir, extracted, backup.fileName, auth);
    } catch (error) {
      await this.work.discard(workDir);
      throw refusal(error);
    }
  }

  async apply(token: string, password: string, auth: AuthContext, client: ClientInfo): Promise<RestoreAppliedDto> {
    await this.sweep();
    const key = this.crypto.sha256Hex(token);
    const pending = this.pending.get(key);
    if (pending === undefined || pending.sessionHandle !== auth.session.handle) {
      throw new DomainError(
        'gone',
        'restore_token_invalid',
        'This restore has expired or is not known: preview the backup again',
      );
    }
    if (pending.state !== 'ready') {
      throw new DomainError('conflict', 'restore_token_used', 'This restore was already applied: a token works once');
    }
    // Claimed before the first await: a second request with the same token is refused, never run twice.
    pending.state = 'applying';
    let preRestore;
    try {
      await this.account.confirmPassword(auth, password, client);
      preRestore = await this.backups.create('pre-restore', { user: auth.user, client });
    } catch (error) {
      // Nothing has changed: the same token may be tried again (with the right password).
      pending.state = 'ready';
      throw error;
    }
    pending.state = 'used';
    try {
      const { manifest } = pending.extracted;
      await this.snapshot.prepareForRestore(pending.extracted.databasePath, {
        at: this.clock.now(),
        username: auth.user.username,
        address: client.address,
        target: pending.source,
        details: {
          createdAt: manifest.createdAt,
          hostname: manifest.hostname,
          firmwareVersion: manifest.firmwareVersion,
          kind: manifest.kind,
          preRestoreBackup: preRestore.id,
        },
      });
      await this.work.stage(pending.extracted.contentDir);
    } catch (error) {
      this.logger.error(`the restore of ${pending.source} could not be staged: ${String(error)}`);
      if (error instanceof RestoreStateError) {
        throw new DomainError('conflict', 'restore_already_staged', 'A restore is already waiting for the next start');
      }
      if (error instanceof RestoreContentError) {
        throw new DomainError('invalid', 'backup_unreadable', 'The backup does not hold a configuration to restore');
      }
      throw new DomainError('unavailable', 'restore_failed', 'The restore could not be staged; nothing was changed');
    } finally {
      await this.work.discard(pending.workDir);
    }
    this.logger.log(`restore of ${pending.source} staged by ${auth.user.username}`);
    if (!this.restart.canRestart) {
      return {
        restarting: false,
        message: 'The restored configuration is applied when the router software next starts',
        preRestoreBackupId: preRestore.id,
      };
    }
    this.restart.restartAfterStaging();
    return {
      restarting: true,
      message: 'The router is restarting with the restored configuration; sign in again',
      preRestoreBackupId: preRestore.id,
    };
  }

  async onApplicationShutdown(): Promise<void> {
    for (const [key, pending] of this.pending) {
      this.pending.delete(key);
      if (pending.state === 'ready') {
        await this.work.discard(pending.workDir);
      }
    }
  }

  private async preview(
    workDir: string,
    extracted: ExtractedBackup,
    source: string,
    auth: AuthContext,
  ): Promise<RestorePreviewDto> {
    const content = await this.snapshot.read(extracted.databasePath);
    if (content.unknownMigrations.length > 0) {
      throw new DomainError(
        'invalid',
        'backup_newer_schema',
        `This backup comes from a newer Burrow (${extracted.manifest.firmwareVersion}) whose settings this router (${BURROW_VERSION}) cannot read: update the router first, then restore it`,
      );
    }
    const certificates = await this.work.certificates(extracted.contentDir);
    const currentAuthorityFingerprint = describeCertificate(this.certificates.authorityPem()).fingerprintSha256;
    const authority = certificates.find((certificate) => certificate.role === 'authority');
    const settingChanges = changedSettings(await this.settings.readAllRaw(), content.settings);

    await this.sweep();
    // One preview per session: a new one replaces the last; and only a few at all, each holding a copy on disk.
    for (const [key, other] of this.pending) {
      if (
        other.sessionHandle === auth.session.handle ||
        (other.state === 'ready' && this.pending.size >= MAX_PENDING)
      ) {
        await this.forget(key, other);
      }
    }
    const token = this.crypto.randomToken(TOKEN_BYTES);
    const expiresAt = this.clock.now().getTime() + RESTORE_TOKEN_TTL_MS;
    this.pending.set(this.crypto.sha256Hex(token), {
      sessionHandle: auth.session.handle,
      workDir,
      extracted,
      source,
      expiresAt,
      state: 'ready',
    });
    const { manifest } = extracted;
    return {
      token,
      expiresAt: new Date(expiresAt).toISOString(),
      source,
      manifest: {
        format: manifest.format,
        createdAt: manifest.createdAt,
        firmwareVersion: manifest.firmwareVersion,
        hostname: manifest.hostname,
        kind: BACKUP_KINDS.find((kind) => kind === manifest.kind) ?? 'manual',
      },
      users: content.users,
      tunnels: content.tunnels,
      certificates: certificates.map((certificate) => ({
        ...certificate,
        notAfter: certificate.notAfter.toISOString(),
      })),
      currentAuthorityFingerprint,
      authorityChanges: authority === undefined || authority.fingerprintSha256 !== currentAuthorityFingerprint,
      settingChanges,
    };
  }

  /** Expired previews go, with their extracted copies; used ones are remembered until then, to answer 409. */
  private async sweep(): Promise<void> {
    const now = this.clock.now().getTime();
    for (const [key, pending] of this.pending) {
      if (pending.expiresAt <= now && pending.state !== 'applying') {
        await this.forget(key, pending);
      }
    }
  }

  private async forget(key: string, pending: PendingRestore): Promise<void> {
    this.pending.delete(key);
    if (pending.state === 'ready') {
      await this.work.discard(pending.workDir);
    }
  }
}

function changedSettings(current: Map<string, string>, restored: Map<string, string>): RestoreSettingChangeDto[] {
  const keys = [...new Set([...current.keys(), ...restored.keys()])].sort();
  return keys
    .filter((key) => current.get(key) !== restored.get(key))
    .map((key) => {
      const secret = !SHOWN_SETTINGS.has(key);
      return {
        key,
        current: secret ? null : (current.get(key) ?? null),
        restored: secret ? null : (restored.get(key) ?? null),
        secret,
      };
    });
}

/** A file that cannot be restored, as the page shows it; anything else is passed on as it is. */
function refusal(error: unknown): unknown {
  if (error instanceof UploadError) {
    return error.code === 'too_large'
      ? new DomainError('too_large', 'payload_too_large', error.message)
      : new DomainError('invalid', 'upload_invalid', error.message);
  }
  if (error instanceof SnapshotUnreadableError) {
    return new DomainError('invalid', 'backup_unreadable', 'The backup opened, but its database cannot be read');
  }
  if (!(error instanceof BackupFileError)) {
    return error;
  }
  switch (error.code) {
    case 'wrong_secret_or_damaged':
      return new DomainError('invalid', 'backup_unreadable', 'Wrong passphrase or damaged file');
    case 'truncated':
    case 'too_large':
      return new DomainError('invalid', 'backup_unreadable', error.message.replace(/\.$/, ''));
    case 'not_a_backup':
      return new DomainError('invalid', 'not_a_backup', 'This is not a Burrow backup file');
    case 'newer_format':
      return new DomainError('invalid', 'backup_newer_format', error.message);
    case 'no_slot_for_secret':
      return new DomainError('invalid', 'no_slot_for_secret', error.message.replace(/\.$/, ''));
  }
}
