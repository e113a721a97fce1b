import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength } from 'class-validator';
import { type ExitCheckResult, type ExitCheckState } from '../services/exit-check.service.js';
import { EXIT_CHECK_URL_MAX_LENGTH } from '../services/exit-check-url.js';

export class ExitCheckResultDto {
  @ApiProperty({ description: 'The "what is my address" URL burrowd fetched through the tunnel.' })
  url: string;

  @ApiProperty({
    type: 'string',
    nullable: true,
    description: 'The public address the Internet sees the household at; null when the check failed.',
    example: '203.0.113.1',
  })
  address: string | null;

  @ApiProperty({ format: 'date-time' })
  checkedAt: string;

  @ApiProperty({ type: 'integer', nullable: true, description: 'The profile whose tunnel carried the request.' })
  profileId: number | null;

  @ApiProperty({ type: 'string', nullable: true })
  profileName: string | null;

  @ApiProperty({ type: 'string', nullable: true, description: 'Why the check failed; null when it answered.' })
  error: string | null;
}

export class ExitCheckStateDto {
  @ApiProperty({
    type: 'string',
    nullable: true,
    description: 'The URL checked through the tunnel; null: the check is off and nothing is fetched.',
  })
  url: string | null;

  @ApiProperty({ type: ExitCheckResultDto, nullable: true })
  result: ExitCheckResultDto | null;
}

export class ExitCheckSettingsDto {
  @ApiProperty({
    description:
      "An http(s) URL that answers the caller's address as text or JSON; an empty string turns the check off.",
    example: 'https://api.ipify.org/',
    maxLength: EXIT_CHECK_URL_MAX_LENGTH,
  })
  @IsString()
  @MaxLength(EXIT_CHECK_URL_MAX_LENGTH)
  url: string;
}

export function mapExitCheckResult(result: ExitCheckResult): ExitCheckResultDto {
  return {
    url: result.url,
    address: result.address,
    checkedAt: new Date(result.checkedAt).toISOString(),
    profileId: result.profileId,
    profileName: result.profileName,
    error: result.error,
  };
}

export function mapExitCheckState(state: ExitCheckState): ExitCheckStateDto {
  return { url: state.url, result: state.result === null ? null : mapExitCheckResult(state.result) };
}
