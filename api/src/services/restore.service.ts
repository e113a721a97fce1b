import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { type IncomingHttpHeaders } from 'node:http';
import { type Readable } from 'node:stream';
import { BackupFileError } from '../backups/backup-file-error.js';
import { RestoreContentError, RestoreStateError } from '../backups/restore-journal.js';
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
import { type Actor, auditedAs } from './actor.js';
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

/** Whose previews are whose: a web session's (`session:<handle>`), or the recovery console's. */
const CONSOLE_OWNER = 'console';

interface PendingRestore {
  /** Who previewed it, a session or the console: only they may apply it. */
  owner: string;
  workDir: string;
  extracted: ExtractedBackup;
  source: string;
  expiresAt: number;
  state: 'ready' | 'applying' | 'used';
}

/**
 * Restores a backup in two steps. The preview verifies and extracts the file into a work dir on the data partition,
 * reads what it would restore from its own copy of the database, and hands out a single-use token bound to the
 * admin's session (or to the recovery console); nothing live changes. Applying the token (with the admin's password;
 * the console's own screen confirms instead) makes a `pre-restore` backup of the configuration it replaces, signs
 * every restored session out and records the restore in the restored audit log, stages the content with its
 * journal, and restarts the API, whose next start swaps it in before the database opens
 * (backups/restore-journal.ts): a crash at any instant leaves the old or the new configuration, whole. The console
 * runs in a process of its own, so it does not restart the API: it signals the API, or the next start applies it.
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
    return this.previewReceived(upload, upload.passphrase, sessionOwner(auth));
  }

  /** A stored backup, opened with the passphrase when given, else with this box's device key. */
  previewStored(backupId: number, passphrase: string | undefined, auth: AuthContext): Promise<RestorePreviewDto> {
    return this.previewStoredAs(backupId, passphrase, sessionOwner(auth));
  }

  /**
   * The recovery console's (or another in-process caller's) preview of a stored backup. The console's previews are
   * the console's to apply; a web actor's are bound to that user, and the web page applies only its session's.
   */
  previewStoredFor(by: Actor, backupId: number, passphrase: string | null): Promise<RestorePreviewDto> {
    return this.previewStoredAs(backupId, passphrase ?? undefined, actorOwner(by));
  }

  /**
   * A `.burrowbackup` file at an absolute path (on a USB stick the console mounted), copied into a work dir first:
   * refused when it is missing, a link, not a regular file, or larger than an upload may be.
   */
  async previewFileFor(by: Actor, path: string, passphrase: string | null): Promise<RestorePreviewDto> {
    let copied: ReceivedUpload;
    try {
      copied = await this.work.copyIn(path);
    } catch (error) {
      throw refusal(error);
    }
    return this.previewReceived(copied, passphrase ?? undefined, actorOwner(by));
  }

  async apply(token: string, password: string, auth: AuthContext, client: ClientInfo): Promise<RestoreAppliedDto> {
    const pending = await this.claim(token, sessionOwner(auth));
    try {
      await this.account.confirmPassword(auth, password, client);
    } catch (error) {
      // Nothing has changed: the same token may be tried again (with the right password).
      pending.state = 'ready';
      throw error;
    }
    const preRestoreBackupId = await this.stage(pending, {
      origin: 'web',
      user: { id: auth.user.id, username: auth.user.username },
      client,
    });
    if (!this.restart.canRestart) {
      return {
        restarting: false,
        message: 'The restored configuration is applied when the router software next starts',
        preRestoreBackupId,
      };
    }
    this.restart.restartAfterStaging();
    return {
      restarting: true,
      message: 'The router is restarting with the restored configuration; sign in again',
      preRestoreBackupId,
    };
  }

  /**
   * The recovery console applies its own preview: no password (the console's screen confirmed it), the same
   * pre-restore backup, audit and staging as the web page's, and no restart: the console has the API restart, or the
   * API applies it when it next starts.
   */
  async applyFor(
    by: Actor & { origin: 'console' },
    token: string,
  ): Promise<{ staged: true; preRestoreBackupId: number; message: string }> {
    const pending = await this.claim(token, actorOwner(by));
    const preRestoreBackupId = await this.stage(pending, by);
    return {
      staged: true,
      preRestoreBackupId,
      message: 'The restore is staged: the router software applies it when it restarts',
    };
  }

  /** Whether a restore or a factory reset waits for the next start (a second one cannot be staged until then). */
  async isStaged(): Promise<boolean> {
    return (await this.work.stagedChange()) !== null;
  }

  async onApplicationShutdown(): Promise<void> {
    for (const [key, pending] of this.pending) {
      this.pending.delete(key);
      if (pending.state === 'ready') {
        await this.work.discard(pending.workDir);
      }
    }
  }

  private async previewStoredAs(
    backupId: number,
    passphrase: string | undefined,
    owner: string,
  ): Promise<RestorePreviewDto> {
    const backup = await this.records.find(backupId);
    if (backup === undefined) {
      throw new DomainError('not_found', 'not_found', 'No such backup');
    }
    const workDir = await this.work.createWorkDir();
    try {
      const extracted = await this.work.extract(this.work.storedFile(backup.fileName), openSecret(passphrase), workDir);
      return await this.preview(workDir, extracted, backup.fileName, owner);
    } catch (error) {
      await this.work.discard(workDir);
      throw refusal(error);
    }
  }

  /** A file received into its work dir (uploaded, or copied from a path): opened, and the copy removed. */
  private async previewReceived(
    received: ReceivedUpload,
    passphrase: string | undefined,
    owner: string,
  ): Promise<RestorePreviewDto> {
    try {
      const extracted = await this.work.extract(received.file, openSecret(passphrase), received.workDir);
      await this.work.removeFile(received.file);
      return await this.preview(received.workDir, extracted, received.fileName, owner);
    } catch (error) {
      await this.work.discard(received.workDir);
      throw refusal(error);
    }
  }

  /** The owner's pending restore for `token`, claimed (state `applying`) before the first await after the check. */
  private async claim(token: string, owner: string): Promise<PendingRestore> {
    await this.sweep();
    const pending = this.pending.get(this.crypto.sha256Hex(token));
    if (pending === undefined || pending.owner !== owner) {
      throw new DomainError(
        'gone',
        'restore_token_invalid',
        'This restore has expired or is not known: preview the backup again',
      );
    }
    if (pending.state !== 'ready') {
      throw new DomainError('conflict', 'restore_token_used', 'This restore was already applied: a token works once');
    }
    // Claimed before any await: a second request with the same token is refused, never run twice.
    pending.state = 'applying';
    return pending;
  }

  /**
   * The body of every apply, once the caller's confirmation passed: the `pre-restore` backup, then the restored
   * database readied (sessions out, the restore in its audit log) and the content staged with its journal. Returns
   * the pre-restore backup's id. The preview's work dir is gone afterwards, whatever happened.
   */
  private async stage(pending: PendingRestore, by: Actor): Promise<number> {
    let preRestore;
    try {
      preRestore = await this.backups.create('pre-restore', by.origin === 'web' ? by : { origin: 'console' });
    } catch (error) {
      // Nothing has changed: the same token may be tried again.
      pending.state = 'ready';
      throw error;
    }
    pending.state = 'used';
    const who = auditedAs(by);
    try {
      const { manifest } = pending.extracted;
      await this.snapshot.prepareForRestore(pending.extracted.databasePath, {
        at: this.clock.now(),
        username: who.actor?.username ?? null,
        address: who.address,
        origin: who.origin,
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
        throw new DomainError(
          'conflict',
          'restore_already_staged',
          'A restore or factory reset is already waiting for the next start',
        );
      }
      if (error instanceof RestoreContentError) {
        throw new DomainError('invalid', 'backup_unreadable', 'The backup does not hold a configuration to restore');
      }
      throw new DomainError('unavailable', 'restore_failed', 'The restore could not be staged; nothing was changed');
    } finally {
      await this.work.discard(pending.workDir);
    }
    this.logger.log(`restore of ${pending.source} staged by ${who.actor?.username ?? 'the recovery console'}`);
    return preRestore.id;
  }

  private async preview(
    workDir: string,
    extracted: ExtractedBackup,
    source: string,
    owner: string,
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
    // From disk, not from memory: the recovery console previews without having loaded (or renewed) the certificates.
    const currentAuthorityFingerprint = (await this.certificates.authorityFingerprint()) ?? '';
    const authority = certificates.find((certificate) => certificate.role === 'authority');
    const settingChanges = changedSettings(await this.settings.readAllRaw(), content.settings);

    await this.sweep();
    // One preview per session (or console): a new one replaces the last; and only a few at all, each holding a copy
    // on disk.
    for (const [key, other] of this.pending) {
      if (other.owner === owner || (other.state === 'ready' && this.pending.size >= MAX_PENDING)) {
        await this.forget(key, other);
      }
    }
    const token = this.crypto.randomToken(TOKEN_BYTES);
    const expiresAt = this.clock.now().getTime() + RESTORE_TOKEN_TTL_MS;
    this.pending.set(this.crypto.sha256Hex(token), {
      owner,
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

function sessionOwner(auth: AuthContext): string {
  return `session:${auth.session.handle}`;
}

function actorOwner(by: Actor): string {
  return by.origin === 'console' ? CONSOLE_OWNER : `user:${by.user.id}`;
}

/** The passphrase when one is given, else this box's device key. */
function openSecret(passphrase: string | undefined): OpenSecret {
  return passphrase === undefined || passphrase === '' ? { kind: 'device' } : { kind: 'passphrase', passphrase };
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
    switch (error.code) {
      case 'too_large':
        return new DomainError('too_large', 'payload_too_large', error.message);
      case 'missing':
        return new DomainError('not_found', 'not_found', error.message);
      default:
        return new DomainError('invalid', 'upload_invalid', error.message);
    }
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
