import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { AUDIT_ORIGINS, type AuditEventEntity, type AuditOrigin } from '../entities/audit-event.entity.js';

/** Everything the audit log records. Later issues add settings, backups and restores here. */
export const AUDIT_ACTIONS = [
  'setup.completed',
  'auth.login',
  'auth.login_failed',
  'auth.locked',
  'auth.address_locked',
  'auth.device_locked',
  'auth.logout',
  'session.revoked',
  'user.created',
  'user.role_changed',
  'user.disabled',
  'user.enabled',
  'user.password_reset',
  'user.deleted',
  'user.name_confusable',
  'user.sessions_revoked',
  'user.unlocked',
  'user.totp_disabled',
  'account.password_changed',
  'totp.enabled',
  'totp.disabled',
  'totp.recovery_code_used',
  'totp.recovery_codes_regenerated',
  'settings.security_changed',
  'certificate.renewed',
  'certificate.imported',
  'certificate.import_refused',
  'certificate.reverted',
  'certificate.authority_reset',
  'tunnel.imported',
  'tunnel.updated',
  'tunnel.deleted',
  'tunnel.activated',
  'tunnel.exported_with_keys',
  'remote_access.changed',
  'remote_device.added',
  'remote_device.updated',
  'remote_device.rekeyed',
  'remote_device.deleted',
  'lan.changed',
  'lan_device.updated',
  'gateway.kill_switch_on',
  'gateway.kill_switch_off',
  'gateway.failover',
  'gateway.exit_check_changed',
  'gateway.kill_switch_disarmed',
  'gateway.kill_switch_rearmed',
  'metrics.token_created',
  'metrics.token_revoked',
  'events.webhook_changed',
  'backup.created',
  'backup.downloaded',
  'backup.deleted',
  'backup.settings_changed',
  'backup.restored',
  'console.shell',
  'console.reboot',
  'console.poweroff',
  'system.factory_reset',
  'system.console_password_set',
  'system.console_password_cleared',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export const AUDIT_PAGE_DEFAULT = 50;
export const AUDIT_PAGE_MAX = 200;

export class AuditQueryDto {
  @ApiPropertyOptional({ enum: AUDIT_ACTIONS, enumName: 'AuditAction' })
  @IsOptional()
  @IsIn(AUDIT_ACTIONS)
  action?: AuditAction;

  @ApiPropertyOptional({ description: 'Who acted; matched regardless of case.' })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  username?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Events at or after this time.' })
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Events at or before this time.' })
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: AUDIT_PAGE_MAX, default: AUDIT_PAGE_DEFAULT })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(AUDIT_PAGE_MAX)
  limit?: number;

  @ApiPropertyOptional({ type: 'integer', description: 'The `nextBefore` of the previous page.' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  before?: number;
}

export class AuditEventDto {
  @ApiProperty({ type: 'integer' })
  id: number;

  @ApiProperty({ format: 'date-time' })
  at: string;

  @ApiProperty({ type: 'string', nullable: true, description: 'Who acted; null when nobody known did.' })
  username: string | null;

  @ApiProperty({ type: 'string', nullable: true, description: 'The client address the request came from.' })
  address: string | null;

  @ApiProperty({ enum: AUDIT_ACTIONS, enumName: 'AuditAction' })
  action: AuditAction;

  @ApiProperty({ type: 'string', nullable: true, description: 'What was acted on: a user name, a session, …' })
  target: string | null;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'Plain facts about the event; never a password, code or token.',
  })
  details: Record<string, unknown>;

  @ApiProperty({
    type: 'integer',
    minimum: 1,
    description:
      'How many events this entry stands for. Failed sign-ins and the locks they cause are summed per action, name, address and 15 minutes: `at` is the first of them, `lastAt` the latest.',
  })
  count: number;

  @ApiProperty({
    type: 'string',
    format: 'date-time',
    nullable: true,
    description: 'For summed failures, when the latest happened; null for a single event.',
  })
  lastAt: string | null;

  @ApiProperty({
    enum: AUDIT_ORIGINS,
    enumName: 'AuditOrigin',
    description: 'Where it came from: the web page or API, the recovery console, or the router by itself.',
  })
  origin: AuditOrigin;
}

export class AuditPageDto {
  @ApiProperty({ type: [AuditEventDto], description: 'Newest first (summed failures by their first event).' })
  events: AuditEventDto[];

  @ApiProperty({
    type: 'integer',
    nullable: true,
    description: 'Pass as `before` for the next (older) page; null on the last page.',
  })
  nextBefore: number | null;
}

export function mapAuditEvent(event: AuditEventEntity): AuditEventDto {
  return {
    id: event.id,
    at: event.at,
    username: event.username,
    address: event.address,
    action: event.action as AuditAction,
    target: event.target,
    details: JSON.parse(event.details) as Record<string, unknown>,
    count: event.count,
    lastAt: event.lastAt,
    origin: event.origin,
  };
}
