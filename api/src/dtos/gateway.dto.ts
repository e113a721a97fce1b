import { ApiProperty } from '@nestjs/swagger';
import { ExitCheckResultDto } from './exit-check.dto.js';
import { SelfTestResultDto } from './self-test.dto.js';

export const TUNNEL_STATES = ['none', 'connecting', 'up', 'failed_over', 'down', 'unknown'] as const;
export type TunnelState = (typeof TUNNEL_STATES)[number];
export const PROFILE_STATES = ['active', 'connecting', 'standby', 'failed'] as const;
export const SYNC_STATES = ['applied', 'pending', 'refused'] as const;
export const FAILOVER_KINDS = ['activated', 'failed_over', 'recovered', 'all_failed'] as const;

export class GatewaySyncDto {
  @ApiProperty({
    enum: SYNC_STATES,
    enumName: 'GatewaySyncState',
    description: '`applied`: the router runs what is configured; `pending`: it will once burrowd answers again.',
  })
  state: (typeof SYNC_STATES)[number];

  @ApiProperty({ type: 'string', nullable: true })
  detail: string | null;

  @ApiProperty({ type: 'string', format: 'date-time', nullable: true })
  at: string | null;
}

export class ActiveTunnelDto {
  @ApiProperty({ enum: TUNNEL_STATES, enumName: 'TunnelState' })
  state: TunnelState;

  @ApiProperty({ type: 'integer', nullable: true })
  profileId: number | null;

  @ApiProperty({ type: 'string', nullable: true })
  profileName: string | null;

  @ApiProperty({ type: 'string', nullable: true, description: 'Where the router sends to, as resolved.' })
  endpoint: string | null;

  @ApiProperty({ type: 'string', format: 'date-time', nullable: true })
  lastHandshake: string | null;

  @ApiProperty({ type: 'integer' })
  rxBytes: number;

  @ApiProperty({ type: 'integer' })
  txBytes: number;
}

export class ProfileHealthDto {
  @ApiProperty({ type: 'integer' })
  id: number;

  @ApiProperty({ enum: PROFILE_STATES, enumName: 'ProfileHealthState' })
  state: (typeof PROFILE_STATES)[number];

  @ApiProperty({ type: 'string', nullable: true, description: 'Why it failed last.' })
  reason: string | null;

  @ApiProperty({ type: 'string', format: 'date-time', nullable: true })
  failedAt: string | null;

  @ApiProperty({ type: 'string', format: 'date-time', nullable: true, description: 'When it is checked again.' })
  retryAt: string | null;
}

export class FailoverEventDto {
  @ApiProperty({ format: 'date-time' })
  at: string;

  @ApiProperty({ enum: FAILOVER_KINDS, enumName: 'FailoverKind' })
  kind: (typeof FAILOVER_KINDS)[number];

  @ApiProperty({ type: 'string', nullable: true })
  from: string | null;

  @ApiProperty({ type: 'string', nullable: true })
  to: string | null;

  @ApiProperty()
  reason: string;
}

export class GatewayStatusDto {
  @ApiProperty({ description: 'On: LAN devices reach the Internet only through the tunnel.' })
  killSwitch: boolean;

  @ApiProperty({
    type: 'string',
    format: 'date-time',
    nullable: true,
    description:
      'Set while a technician has disarmed the kill switch from the recovery console: LAN devices reach the ' +
      'Internet without the tunnel until then, when burrowd re-arms it by itself.',
  })
  killSwitchDisarmedUntil: string | null;

  @ApiProperty({ description: 'burrowd, the privileged daemon, answers.' })
  reachable: boolean;

  @ApiProperty({ type: GatewaySyncDto })
  sync: GatewaySyncDto;

  @ApiProperty({ type: ActiveTunnelDto })
  tunnel: ActiveTunnelDto;

  @ApiProperty({ type: [ProfileHealthDto], description: 'Enabled profiles in the order failover tries them.' })
  profiles: ProfileHealthDto[];

  @ApiProperty({ type: [FailoverEventDto], description: 'The newest switches, oldest first.' })
  events: FailoverEventDto[];

  @ApiProperty({
    type: SelfTestResultDto,
    nullable: true,
    description: 'The last self-test burrowd ran (after a change, a failover, or when asked); null when none ran.',
  })
  selfTest: SelfTestResultDto | null;

  @ApiProperty({
    type: ExitCheckResultDto,
    nullable: true,
    description: 'Where the Internet last saw the household; null when the exit check is off or has not run.',
  })
  exitCheck: ExitCheckResultDto | null;
}
