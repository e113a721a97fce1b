import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength } from 'class-validator';
import { type MetricsTokenEntity } from '../entities/metrics-token.entity.js';
import { INPUT_MAX_LENGTH } from './user.dto.js';

export const METRICS_TOKEN_NAME_MAX_LENGTH = 64;
export const METRICS_TOKENS_MAX = 16;

export class CreateMetricsTokenDto {
  @ApiProperty({
    description: `What scrapes with it, e.g. "prometheus at home": 1 to ${METRICS_TOKEN_NAME_MAX_LENGTH} characters.`,
  })
  @IsString()
  @MaxLength(INPUT_MAX_LENGTH)
  name: string;
}

/** A scrape token as listed: never the token itself. */
export class MetricsTokenDto {
  @ApiProperty({ type: 'integer' })
  id: number;

  @ApiProperty({ description: 'Display as text, never as HTML.' })
  name: string;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;

  @ApiProperty({ description: 'The admin who created it.' })
  createdBy: string;

  @ApiProperty({
    format: 'date-time',
    nullable: true,
    type: String,
    description: 'The last scrape with it, to the minute; null: never used.',
  })
  lastUsedAt: string | null;
}

export class CreatedMetricsTokenDto extends MetricsTokenDto {
  @ApiProperty({
    description:
      'The bearer token for `Authorization: Bearer …` on GET /metrics. Shown this once: only its hash is kept.',
    example: 'burrow_mt_3q2-7wQv9Z1bXkR0m8sYp4tU6eHcJf5aLdNgWiVoKyE',
  })
  token: string;
}

export function mapMetricsToken(entity: MetricsTokenEntity): MetricsTokenDto {
  return {
    id: entity.id,
    name: entity.name,
    createdAt: entity.createdAt,
    createdBy: entity.createdBy,
    lastUsedAt: entity.lastUsedAt,
  };
}
