import { Injectable, Logger } from '@nestjs/common';
import { type KdfParams, type PassphraseRecipient } from '../backups/backup-file.js';
import {
  BACKUP_DAILY_AT_DEFAULT,
  BACKUP_PASSPHRASE_MIN_LENGTH,
  BACKUP_RETENTION,
  type BackupSettingsDto,
  DAILY_AT_FORMAT,
  type UpdateBackupSettingsDto,
} from '../dtos/backup.dto.js';
import { BackupArchiveRepository } from '../repositories/backup-archive.repository.js';
import { SettingRepository } from '../repositories/setting.repository.js';
import { AccountService } from './account.service.js';
import { AuditService } from './audit.service.js';
import { type UserEntity } from '../entities/user.entity.js';
import { type ClientInfo } from './client-info.js';
import { DomainError } from './domain-error.js';
import { type AuthContext } from './session.service.js';

export const BACKUP_SETTING_KEYS = {
  /** The passphrase's public key, salt and KDF parameters: enough to encrypt to it, not to open what it encrypts. */
  passphrase: 'backups.passphrase',
  retention: 'backups.retention',
  dailyAt: 'backups.dailyAt',
} as const;

interface StoredRecipient {
  publicKey: string;
  salt: string;
  kdf: KdfParams;
}

/** The backup passphrase (as its public side only), how many backups are kept, and when the daily one runs. */
@Injectable()
export class BackupSettingsService {
  private readonly logger = new Logger(BackupSettingsService.name);

  constructor(
    private readonly settings: SettingRepository,
    private readonly archive: BackupArchiveRepository,
    private readonly account: AccountService,
    private readonly audit: AuditService,
  ) {}

  async get(): Promise<BackupSettingsDto> {
    const stored = await this.settings.read(Object.values(BACKUP_SETTING_KEYS));
    return {
      passphraseSet: parseRecipient(stored.get(BACKUP_SETTING_KEYS.passphrase)) !== null,
      retention: this.validRetention(stored.get(BACKUP_SETTING_KEYS.retention)),
      dailyAt: this.validDailyAt(stored.get(BACKUP_SETTING_KEYS.dailyAt)),
    };
  }

  /** What new backups are encrypted to besides the device key; null when no passphrase is set. */
  async recipient(): Promise<PassphraseRecipient | null> {
    const stored = await this.settings.read([BACKUP_SETTING_KEYS.passphrase]);
    return parseRecipient(stored.get(BACKUP_SETTING_KEYS.passphrase));
  }

  async update(input: UpdateBackupSettingsDto, auth: AuthContext, client: ClientInfo): Promise<BackupSettingsDto> {
    const previous = await this.get();
    const changes = new Map<string, unknown>();
    const details: Record<string, string | number | boolean> = {};
    if (input.passphrase !== undefined) {
      assertBackupPassphrase(input.passphrase);
      if (input.currentPassword === undefined || input.currentPassword === '') {
        throw new DomainError('invalid', 'password_required', 'Setting the backup passphrase needs your password');
      }
      await this.account.confirmPassword(auth, input.currentPassword, client);
      changes.set(BACKUP_SETTING_KEYS.passphrase, await this.storedRecipient(input.passphrase));
      details.passphrase = previous.passphraseSet ? 'changed' : 'set';
    }
    if (input.retention !== undefined && input.retention !== previous.retention) {
      changes.set(BACKUP_SETTING_KEYS.retention, input.retention);
      details.retention = input.retention;
    }
    if (input.dailyAt !== undefined && input.dailyAt !== previous.dailyAt) {
      changes.set(BACKUP_SETTING_KEYS.dailyAt, input.dailyAt);
      details.dailyAt = input.dailyAt;
    }
    if (changes.size === 0) {
      return previous;
    }
    await this.settings.write(changes, new Date());
    await this.audit.record({
      action: 'backup.settings_changed',
      actor: auth.user,
      address: client.address,
      target: 'backups',
      details,
    });
    return this.get();
  }

  /**
   * The setup wizard's passphrase, for the admin it has just created (who proved nothing yet but creating the
   * account: there is no earlier password to ask for). Checked with assertBackupPassphrase before the account exists.
   */
  async setAtSetup(passphrase: string, actor: UserEntity, client: ClientInfo): Promise<void> {
    await this.settings.write(
      new Map([[BACKUP_SETTING_KEYS.passphrase, await this.storedRecipient(passphrase)]]),
      new Date(),
    );
    await this.audit.record({
      action: 'backup.settings_changed',
      actor,
      address: client.address,
      target: 'backups',
      details: { passphrase: 'set' },
    });
  }

  private async storedRecipient(passphrase: string): Promise<StoredRecipient> {
    const recipient = await this.archive.recipientFor(passphrase);
    return {
      publicKey: recipient.publicKey.toString('base64'),
      salt: recipient.salt.toString('base64'),
      kdf: recipient.kdf,
    };
  }

  // A stored value outside today's rules (hand-edited, or from an older release) falls back to the default.
  private validRetention(value: unknown): number {
    if (value === undefined) {
      return BACKUP_RETENTION.default;
    }
    if (
      typeof value === 'number' &&
      Number.isInteger(value) &&
      value >= BACKUP_RETENTION.min &&
      value <= BACKUP_RETENTION.max
    ) {
      return value;
    }
    this.logger.warn(`setting ${BACKUP_SETTING_KEYS.retention} is out of range; using ${BACKUP_RETENTION.default}`);
    return BACKUP_RETENTION.default;
  }

  private validDailyAt(value: unknown): string {
    if (value === undefined) {
      return BACKUP_DAILY_AT_DEFAULT;
    }
    if (typeof value === 'string' && DAILY_AT_FORMAT.test(value)) {
      return value;
    }
    this.logger.warn(`setting ${BACKUP_SETTING_KEYS.dailyAt} is not a time; using ${BACKUP_DAILY_AT_DEFAULT}`);
    return BACKUP_DAILY_AT_DEFAULT;
  }
}

/** A backup passphrase long enough for what it protects; throws the reason otherwise. */
export function assertBackupPassphrase(passphrase: string): void {
  if ([...passphrase].length < BACKUP_PASSPHRASE_MIN_LENGTH) {
    throw new DomainError(
      'invalid',
      'backup_passphrase_too_short',
      `The backup passphrase needs at least ${BACKUP_PASSPHRASE_MIN_LENGTH} characters: it protects the router's CA key in every backup file, where anyone holding a copy can guess offline`,
    );
  }
}

function parseRecipient(value: unknown): PassphraseRecipient | null {
  if (typeof value !== 'object' || value === null) {
    return null;
  }
  const { publicKey, salt, kdf } = value as Partial<StoredRecipient>;
  if (typeof publicKey !== 'string' || typeof salt !== 'string' || typeof kdf !== 'object' || kdf === null) {
    return null;
  }
  return { publicKey: Buffer.from(publicKey, 'base64'), salt: Buffer.from(salt, 'base64'), kdf: { ...kdf } };
}
