import { ApiProperty } from '@nestjs/swagger';
import { type SelfTestTrigger } from '../services/router-report.js';
import { type SelfTestResult } from '../services/self-test.service.js';

const SELF_TEST_TRIGGERS: readonly SelfTestTrigger[] = ['change', 'failover', 'request'];

export class SelfTestCheckDto {
  @ApiProperty({
    example: 'no-bypass',
    description: 'ruleset, handshake, no-bypass, dns, ipv6 or leak-probe (a newer burrowd may add checks).',
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

  @ApiProperty({
    enum: SELF_TEST_TRIGGERS,
    enumName: 'SelfTestTrigger',
    description: 'What made it run: an applied change of tunnel or kill switch, a failover, or someone asking.',
  })
  trigger: SelfTestTrigger;

  @ApiProperty({ description: 'Every check passed.' })
  pass: boolean;

  @ApiProperty({ type: [SelfTestCheckDto] })
  checks: SelfTestCheckDto[];
}

export class SelfTestStateDto {
  @ApiProperty({
    type: SelfTestResultDto,
    nullable: true,
    description: 'The last self-test burrowd ran since it started; null when none ran.',
  })
  last: SelfTestResultDto | null;
}

export function mapSelfTestResult(result: SelfTestResult): SelfTestResultDto {
  return {
    at: result.at.toISOString(),
    trigger: result.trigger,
    pass: result.pass,
    checks: result.checks.map(({ name, pass, details }) => ({ name, pass, details })),
  };
}
