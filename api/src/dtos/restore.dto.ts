import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, MaxLength, Min } from 'class-validator';
import { BACKUP_KINDS, type BackupKindName } from './backup.dto.js';
import { INPUT_MAX_LENGTH } from './user.dto.js';

/** How long a preview's token may be used to apply it. */
export const RESTORE_TOKEN_TTL_MS = 10 * 60_000;

/** A stored backup to preview (the JSON form of the preview route; an upload is multipart: `file`, `passphrase`). */
export class PreviewStoredBackupDto {
  @ApiProperty({ type: 'integer', description: 'A backup from `GET /api/backups`.' })
  @IsInt()
  @Min(1)
  backupId: number;

  @ApiPropertyOptional({
    description: "The backup passphrase; without it, this box's device key opens the backups it made itself.",
  })
  @IsOptional()
  @IsString()
  @MaxLength(INPUT_MAX_LENGTH)
  passphrase?: string;
}

/** The multipart form of the preview route, for the OpenAPI document. */
export class PreviewUploadDto {
  @ApiProperty({ type: 'string', format: 'binary', description: 'A `.burrowbackup` file, 50 MB at most.' })
  file: unknown;

  @ApiPropertyOptional({ description: 'The backup passphrase it was made with.' })
  passphrase?: string;
}

export class RestoreManifestDto {
  @ApiProperty({ type: 'integer', description: 'The file format version.' })
  format: number;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;

  @ApiProperty()
  firmwareVersion: string;

  @ApiProperty()
  hostname: string;

  @ApiProperty({ enum: BACKUP_KINDS, enumName: 'BackupKind' })
  kind: BackupKindName;
}

export class RestoreUserDto {
  @ApiProperty()
  username: string;

  @ApiProperty({ enum: ['admin', 'viewer'] })
  role: string;

  @ApiProperty()
  disabled: boolean;

  @ApiProperty()
  totpEnabled: boolean;
}

export class RestoreTunnelDto {
  @ApiProperty()
  name: string;

  @ApiProperty()
  enabled: boolean;

  @ApiProperty({ type: [String], description: "The peers' endpoints, `host:port`." })
  endpoints: string[];
}

export class RestoreCertificateDto {
  @ApiProperty({ enum: ['authority', 'built-in', 'imported'] })
  role: 'authority' | 'built-in' | 'imported';

  @ApiProperty()
  subject: string;

  @ApiProperty({ format: 'date-time' })
  notAfter: string;

  @ApiProperty({ description: 'SHA-256 of the DER, `AB:CD:…`.' })
  fingerprintSha256: string;
}

export class RestoreSettingChangeDto {
  @ApiProperty()
  key: string;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'The current value as JSON; null when unset, or when `secret` (never shown).',
  })
  current: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'The restored value as JSON; null when the backup has none, or when `secret`.',
  })
  restored: string | null;

  @ApiProperty({ description: 'A value never shown: the preview only says it changes.' })
  secret: boolean;
}

export class RestorePreviewDto {
  @ApiProperty({
    description:
      'Applies this preview with `POST /api/backups/restore/apply`: once, within 10 minutes, from this session.',
  })
  token: string;

  @ApiProperty({ format: 'date-time' })
  expiresAt: string;

  @ApiProperty({ description: "The uploaded file's name, or the stored backup's." })
  source: string;

  @ApiProperty({ type: RestoreManifestDto })
  manifest: RestoreManifestDto;

  @ApiProperty({ type: [RestoreUserDto] })
  users: RestoreUserDto[];

  @ApiProperty({ type: [RestoreTunnelDto] })
  tunnels: RestoreTunnelDto[];

  @ApiProperty({ type: [RestoreCertificateDto] })
  certificates: RestoreCertificateDto[];

  @ApiProperty({ description: "SHA-256 fingerprint of the router's CA now." })
  currentAuthorityFingerprint: string;

  @ApiProperty({
    description:
      "The backup's CA is not the running one: devices that trust the router's CA now must trust the restored one.",
  })
  authorityChanges: boolean;

  @ApiProperty({ type: [RestoreSettingChangeDto], description: 'Only the settings the restore changes.' })
  settingChanges: RestoreSettingChangeDto[];
}

export class ApplyRestoreDto {
  @ApiProperty({ description: 'The token of a preview of this session.' })
  @IsString()
  @MaxLength(INPUT_MAX_LENGTH)
  token: string;

  @ApiProperty({ description: "The signed-in admin's password: a restore replaces every user and key." })
  @IsString()
  @MaxLength(INPUT_MAX_LENGTH)
  password: string;
}

export class RestoreAppliedDto {
  @ApiProperty({
    description:
      'true: the API restarts now with the restored configuration; false: it applies when the API next starts.',
  })
  restarting: boolean;

  @ApiProperty()
  message: string;

  @ApiProperty({ type: 'integer', description: 'The backup made just before, of the configuration replaced.' })
  preRestoreBackupId: number;
}
