import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { type BackupEntity } from '../entities/backup.entity.js';
import { INPUT_MAX_LENGTH } from './user.dto.js';

export const BACKUP_KINDS = ['manual', 'daily', 'pre-restore'] as const;
export type BackupKindName = (typeof BACKUP_KINDS)[number];
export const BACKUP_RETENTION = { min: 1, max: 30, default: 7 } as const;
export const BACKUP_DAILY_AT_DEFAULT = '03:30';
/** "HH:MM", 24-hour, the box's local time. */
export const DAILY_AT_FORMAT = /^(?:[01]\d|2[0-3]):[0-5]\d$/;
/** It protects the CA key in every backup, offline, where guesses are not limited or slowed by anything but the KDF. */
export const BACKUP_PASSPHRASE_MIN_LENGTH = 12;

/** A stored backup as listed. */
export class BackupDto {
  @ApiProperty({ type: 'integer' })
  id: number;

  @ApiProperty({ enum: BACKUP_KINDS, enumName: 'BackupKind' })
  kind: BackupKindName;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;

  @ApiProperty({ type: 'integer', description: 'Bytes.' })
  size: number;

  @ApiProperty({ description: 'SHA-256 of the file, hex: what a download must match.' })
  sha256: string;

  @ApiProperty({
    description: 'The backup passphrase opens it (on any box); otherwise only this box can restore it.',
  })
  passphraseProtected: boolean;

  @ApiProperty({ type: String, nullable: true, description: 'The admin who made it; null: made automatically.' })
  createdBy: string | null;
}

export function mapBackup(entity: BackupEntity): BackupDto {
  return {
    id: entity.id,
    kind: BACKUP_KINDS.find((kind) => kind === entity.kind) ?? 'manual',
    createdAt: entity.createdAt,
    size: entity.size,
    sha256: entity.sha256,
    passphraseProtected: entity.passphraseProtected,
    createdBy: entity.createdBy,
  };
}

export class BackupSettingsDto {
  @ApiProperty({ description: 'A backup passphrase is set. The passphrase itself is never stored nor returned.' })
  passphraseSet: boolean;

  @ApiProperty({
    type: 'integer',
    minimum: BACKUP_RETENTION.min,
    maximum: BACKUP_RETENTION.max,
    default: BACKUP_RETENTION.default,
    description: 'How many backups of each kind (manual, daily, pre-restore) are kept: the newest.',
  })
  retention: number;

  @ApiProperty({ example: BACKUP_DAILY_AT_DEFAULT, description: 'When the daily backup runs: HH:MM, local time.' })
  dailyAt: string;
}

export class UpdateBackupSettingsDto {
  @ApiPropertyOptional({
    description: `A new backup passphrase, at least ${BACKUP_PASSPHRASE_MIN_LENGTH} characters: it protects the router's CA key and every secret in a backup file, wherever the file goes. Needs \`currentPassword\`.`,
  })
  @IsOptional()
  @IsString()
  @MaxLength(INPUT_MAX_LENGTH)
  passphrase?: string;

  @ApiPropertyOptional({ description: "The signed-in admin's password; required with `passphrase`." })
  @IsOptional()
  @IsString()
  @MaxLength(INPUT_MAX_LENGTH)
  currentPassword?: string;

  @ApiPropertyOptional({ type: 'integer', minimum: BACKUP_RETENTION.min, maximum: BACKUP_RETENTION.max })
  @IsOptional()
  @IsInt()
  @Min(BACKUP_RETENTION.min)
  @Max(BACKUP_RETENTION.max)
  retention?: number;

  @ApiPropertyOptional({ example: BACKUP_DAILY_AT_DEFAULT, description: 'HH:MM, 24-hour, local time.' })
  @IsOptional()
  @IsString()
  @Matches(DAILY_AT_FORMAT, { message: 'dailyAt must be a time as HH:MM (00:00 to 23:59)' })
  dailyAt?: string;
}
