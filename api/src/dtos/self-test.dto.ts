import { ApiProperty } from '@nestjs/swagger';
import { type SelfTestResult } from '../services/self-test.service.js';

export class SelfTestCheckDto {
  @ApiProperty({
    example: 'no-bypass',
    description: 'ruleset, handshake, no-bypass, dns or ipv6 (a newer burrowd may add checks).',
  })
  name: string;

  @ApiProperty()
  pass: boolean;

  @ApiProperty({ description: 'Why it passed or failed, for people.', example: 'LAN traffic leaves through wg0' })
  details: string;
}

export class SelfTestResultDto {
  @ApiProperty({ format: 'date-time', description: 'When the self-test ran.' })
  at: string;

  @ApiProperty({ description: 'Every check passed.' })
  pass: boolean;

  @ApiProperty({ type: [SelfTestCheckDto] })
  checks: SelfTestCheckDto[];
}

export class SelfTestStateDto {
  @ApiProperty({
    type: SelfTestResultDto,
    nullable: true,
    description: 'The last self-test since the API started; null when none ran.',
  })
  last: SelfTestResultDto | null;
}

export function mapSelfTestResult(result: SelfTestResult): SelfTestResultDto {
  return {
    at: result.at.toISOString(),
    pass: result.pass,
    checks: result.checks.map(({ name, pass, details }) => ({ name, pass, details })),
  };
}
