import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { type EventEntity } from '../entities/event.entity.js';

/** What the household is told about. `webhook.test` is only ever sent, never listed. */
export const EVENT_KINDS = [
  'tunnel.down',
  'tunnel.failover',
  'tunnel.recovered',
  'selftest.failed',
  'selftest.passed',
  'kill_switch.off',
  'kill_switch.on',
  'certificate.renewed',
  'signin.lockout',
  'remote_device.added',
  'remote_device.removed',
  'remote_device.first_handshake',
  'webhook.test',
] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

export const EVENT_SEVERITIES = ['info', 'warning', 'critical'] as const;
export type EventSeverity = (typeof EVENT_SEVERITIES)[number];

/** Plain facts only, as in the audit log: nothing that could carry a secret along. */
export type EventDetails = Record<string, string | number | boolean | null>;

export const EVENT_PAGE_DEFAULT = 50;
export const EVENT_PAGE_MAX = 200;
/** http(s) URLs up to this long; a longer one is a mistake, not a webhook. */
export const WEBHOOK_URL_MAX = 2048;

export class EventQueryDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: EVENT_PAGE_MAX, default: EVENT_PAGE_DEFAULT })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(EVENT_PAGE_MAX)
  limit?: number;
}

export class EventDto {
  @ApiProperty({ type: 'integer' })
  id: number;

  @ApiProperty({ format: 'date-time' })
  at: string;

  @ApiProperty({ enum: EVENT_KINDS, enumName: 'EventKind' })
  kind: EventKind;

  @ApiProperty({ enum: EVENT_SEVERITIES, enumName: 'EventSeverity' })
  severity: EventSeverity;

  @ApiProperty({ description: 'One sentence for people, e.g. "The tunnel failed over from A to B".' })
  message: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: { oneOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }] },
    description: 'Plain facts about the event (profile names, reasons, failed checks); never a secret.',
  })
  details: EventDetails;
}

export class EventListDto {
  @ApiProperty({ type: [EventDto], description: 'Newest first; the router keeps the newest 1,000.' })
  events: EventDto[];
}

export class WebhookDeliveryDto {
  @ApiProperty({ format: 'date-time', description: 'When the attempt ended.' })
  at: string;

  @ApiProperty({ description: 'The webhook answered with a 2xx status.' })
  ok: boolean;

  @ApiProperty({ type: 'integer', nullable: true, description: 'The HTTP status it answered; null when none.' })
  status: number | null;

  @ApiProperty({
    type: 'string',
    nullable: true,
    description: 'Why it failed, in words (never the URL); null when it worked.',
  })
  error: string | null;

  @ApiProperty({ enum: EVENT_KINDS, enumName: 'EventKind', description: 'The event it carried.' })
  kind: EventKind;

  @ApiProperty({ type: 'integer', minimum: 1, description: 'Which attempt for this event: 1, then the retries.' })
  attempt: number;

  @ApiProperty({ description: 'A failed attempt that will not be retried (the last retry, or a test).' })
  final: boolean;
}

export class WebhookSettingsDto {
  @ApiProperty({
    description: 'Where events are POSTed as JSON; empty when none is set. It may carry a token: admins only.',
  })
  url: string;

  @ApiProperty({
    type: WebhookDeliveryDto,
    nullable: true,
    description: 'The last attempt since the API started (a retry, a test, or a first try); null before any.',
  })
  lastDelivery: WebhookDeliveryDto | null;

  @ApiProperty({ type: 'integer', description: 'Events waiting to be sent or retried.' })
  pending: number;
}

export class WebhookUrlDto {
  @ApiProperty({
    maxLength: WEBHOOK_URL_MAX,
    description: 'An http or https URL without a user name or password in it; empty to send no events.',
  })
  @IsString()
  @MaxLength(WEBHOOK_URL_MAX)
  url: string;
}

export function mapEvent(event: EventEntity): EventDto {
  return {
    id: event.id,
    at: event.at,
    kind: event.kind as EventKind,
    severity: event.severity as EventSeverity,
    message: event.message,
    details: JSON.parse(event.details) as EventDetails,
  };
}
