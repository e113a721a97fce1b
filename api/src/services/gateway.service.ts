import { Injectable } from '@nestjs/common';
import { mapExitCheckResult } from '../dtos/exit-check.dto.js';
import { type ActiveTunnelDto, type GatewayStatusDto, type TunnelState } from '../dtos/gateway.dto.js';
import { mapSelfTestResult } from '../dtos/self-test.dto.js';
import { type UserEntity } from '../entities/user.entity.js';
import { AuditService } from './audit.service.js';
import { type ClientInfo } from './client-info.js';
import { DesiredStateService } from './desired-state.service.js';
import { ExitCheckService } from './exit-check.service.js';
import { EventService } from './event.service.js';
import { type GatewayReport, readDisarmedUntil, readGatewayReport } from './gateway-report.js';
import { GatewaySettingsService } from './gateway-settings.service.js';
import { SelfTestService } from './self-test.service.js';
import { type StatusReport, StatusHubService } from './status-hub.service.js';

/** A session older than this has expired (WireGuard's REJECT_AFTER_TIME): the tunnel is not up any more. */
const SESSION_LIFETIME_MS = 180_000;

/** The household gateway as the Tunnel page shows it: the kill switch, the tunnel in force, failover. */
@Injectable()
export class GatewayService {
  constructor(
    private readonly hub: StatusHubService,
    private readonly settings: GatewaySettingsService,
    private readonly desiredState: DesiredStateService,
    private readonly audit: AuditService,
    private readonly selfTest: SelfTestService,
    private readonly exitCheck: ExitCheckService,
    private readonly events: EventService,
  ) {}

  async status(now = new Date()): Promise<GatewayStatusDto> {
    const [killSwitch, exitCheckUrl, report] = await Promise.all([
      this.settings.killSwitch(),
      this.settings.exitCheckUrl(),
      this.hub.read(),
    ]);
    return this.describe({ killSwitch, exitCheckOn: exitCheckUrl !== null }, report, now);
  }

  /** The gateway from one of burrowd's reports, as GET /api/gateway answers it. */
  async fromReport(report: StatusReport, now = new Date()): Promise<GatewayStatusDto> {
    const [killSwitch, exitCheckUrl] = await Promise.all([this.settings.killSwitch(), this.settings.exitCheckUrl()]);
    return this.describe({ killSwitch, exitCheckOn: exitCheckUrl !== null }, report, now);
  }

  private describe(
    { killSwitch, exitCheckOn }: { killSwitch: boolean; exitCheckOn: boolean },
    { raw }: StatusReport,
    now: Date,
  ): GatewayStatusDto {
    const report = readGatewayReport(raw);
    const names = new Map(report?.profiles.map((profile) => [profile.id, profile.name]));
    const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
    return {
      killSwitch,
      killSwitchDisarmedUntil: readDisarmedUntil(raw),
      reachable: raw !== null,
      sync: this.desiredState.status,
      tunnel: activeTunnel(report, now),
      profiles: (report?.profiles ?? []).map(({ id, state, reason, failedAt, retryAt }) => ({
        id,
        state,
        reason,
        failedAt: iso(failedAt),
        retryAt: iso(retryAt),
      })),
      events: (report?.events ?? []).map((event) => ({
        at: iso(event.at)!,
        kind: event.kind,
        from: event.from === null ? null : (names.get(event.from) ?? `profile ${event.from}`),
        to: event.to === null ? null : (names.get(event.to) ?? `profile ${event.to}`),
        reason: event.reason,
      })),
      selfTest: mapNullable(this.selfTest.fromReport(raw), mapSelfTestResult),
      // A result from before the check was turned off is not shown: the page says the check is off.
      exitCheck: exitCheckOn ? mapNullable(this.exitCheck.fromReport(raw), mapExitCheckResult) : null,
    };
  }

  /** Off means devices use the ISP directly, unencrypted, whenever the tunnel is down: audited either way. */
  async setKillSwitch(enabled: boolean, actor: UserEntity, client: ClientInfo): Promise<GatewayStatusDto> {
    if ((await this.settings.killSwitch()) !== enabled) {
      await this.settings.setKillSwitch(enabled);
      await this.audit.record({
        action: enabled ? 'gateway.kill_switch_on' : 'gateway.kill_switch_off',
        actor,
        address: client.address,
      });
      await this.events.record(
        enabled
          ? {
              kind: 'kill_switch.on',
              severity: 'info',
              message: `${actor.username} turned the kill switch on: devices reach the Internet only through the tunnel`,
              details: { by: actor.username },
            }
          : {
              kind: 'kill_switch.off',
              severity: 'warning',
              message: `${actor.username} turned the kill switch off: devices use the Internet provider directly, unencrypted, whenever the tunnel is down`,
              details: { by: actor.username },
            },
      );
      this.desiredState.changed();
      await this.desiredState.settled();
    }
    return this.status();
  }
}

function activeTunnel(report: GatewayReport | null, now: Date): ActiveTunnelDto {
  const active = report?.profiles.find((profile) => profile.id === report.activeId);
  // The upstream engine has the active profile's peers only: its first peer is the server in use.
  const peer = active === undefined ? undefined : report?.peers[0];
  return {
    state: tunnelState(report, now),
    profileId: active?.id ?? null,
    profileName: active?.name ?? null,
    endpoint: peer?.endpoint ?? null,
    lastHandshake: peer?.lastHandshake ?? null,
    rxBytes: peer?.rxBytes ?? 0,
    txBytes: peer?.txBytes ?? 0,
  };
}

/** What the Tunnel page (and `burrow_tunnel_up`) says of the tunnel in force. */
export function tunnelState(report: GatewayReport | null, now: Date): TunnelState {
  if (report === null) {
    return 'unknown';
  }
  const index = report.profiles.findIndex((profile) => profile.id === report.activeId);
  const active = report.profiles[index];
  if (active === undefined) {
    return 'none';
  }
  const handshake = report.peers[0]?.lastHandshake;
  const fresh = typeof handshake === 'string' && now.getTime() - Date.parse(handshake) < SESSION_LIFETIME_MS;
  if (active.state === 'failed') {
    return 'down';
  }
  // burrowd marks a new profile active at its next check; a fresh handshake already says it connected.
  if (!fresh) {
    return 'connecting';
  }
  return report.profiles.slice(0, index).some((profile) => profile.state === 'failed') ? 'failed_over' : 'up';
}

function mapNullable<T, R>(value: T | null, map: (value: T) => R): R | null {
  return value === null ? null : map(value);
}
