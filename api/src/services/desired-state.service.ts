import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { type DesiredStateV2Input } from '@burrow/firmware/control/desired-state-v2';
import { FirmwareRepository } from '../repositories/firmware.repository.js';
import { TunnelProfileRepository } from '../repositories/tunnel-profile.repository.js';
import { LanDeviceRepository } from '../repositories/lan-device.repository.js';
import { RemoteAccessRepository } from '../repositories/remote-access.repository.js';
import { type RemoteDeviceRecord, RemoteDeviceRepository } from '../repositories/remote-device.repository.js';
import { Clock } from './clock.js';
import { addressesOf, isExpired, isHostIn } from './household-rules.js';
import { LanSettingsService } from './lan-settings.service.js';
import { parseIpPrefix } from '@burrow/firmware/net/ip';
import { GatewaySettingsService } from './gateway-settings.service.js';
import { StatusHubService } from './status-hub.service.js';
import { BackgroundWork } from './background-work.js';

/** While burrowd cannot be reached, the newest state is offered again this often. */
const RETRY_MS = 5_000;

export type SyncState = 'applied' | 'pending' | 'refused';

export interface SyncStatus {
  /** `applied`: burrowd runs what the database says; `pending`: it will once burrowd answers; `refused`: it said no. */
  state: SyncState;
  /** Why it is pending or refused, in burrowd's words. */
  detail: string | null;
  at: string | null;
}

/**
 * The one place that tells burrowd what to do: builds the whole desired state (version 2) from the database and
 * sends it after every change that affects it. Changes are coalesced: while one state is on its way, any number
 * of changes make one more send, of the newest state. When burrowd is down the state stays pending and is sent
 * again until it answers; the kill switch in the kernel holds meanwhile.
 */
@Injectable()
export class DesiredStateService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(DesiredStateService.name);
  private sending: Promise<void> | null = null;
  private dirty = false;
  private retry: NodeJS.Timeout | null = null;
  private closed = false;
  private sync: SyncStatus = { state: 'pending', detail: 'not sent yet', at: null };

  constructor(
    private readonly profiles: TunnelProfileRepository,
    private readonly settings: GatewaySettingsService,
    private readonly firmware: FirmwareRepository,
    private readonly hub: StatusHubService,
    private readonly background: BackgroundWork,
    private readonly lanSettings: LanSettingsService,
    private readonly lanDevices: LanDeviceRepository,
    private readonly remoteAccess: RemoteAccessRepository,
    private readonly remoteDevices: RemoteDeviceRepository,
    private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.background.runs) {
      return;
    }
    // burrowd may have restarted from an older saved state, or be new: the database is the truth.
    this.changed();
  }

  onApplicationShutdown(): void {
    this.closed = true;
    if (this.retry !== null) {
      clearTimeout(this.retry);
    }
  }

  get status(): SyncStatus {
    return { ...this.sync };
  }

  /** Something that goes into the state changed: send the newest state, soon, once. */
  changed(): void {
    this.dirty = true;
    this.sending ??= this.drain().finally(() => (this.sending = null));
  }

  /** Resolves when every change made so far has been offered to burrowd. */
  async settled(): Promise<void> {
    while (this.sending !== null) {
      await this.sending;
    }
  }

  async build(): Promise<DesiredStateV2Input> {
    const [records, killSwitch, selectedId, exitCheckUrl, lanPlan, devices, remote, remoteDevices] = await Promise.all([
      this.profiles.list(),
      this.settings.killSwitch(),
      this.settings.selectedTunnelId(),
      this.settings.exitCheckUrl(),
      this.lanSettings.saved(),
      this.lanDevices.list(),
      this.remoteAccess.read(),
      this.remoteDevices.list(),
    ]);
    const enabled = records.filter((record) => record.enabled);
    return {
      version: 2,
      killSwitch,
      upstream: {
        profiles: enabled.map((record) => ({ id: record.id, name: record.name, ...record.profile })),
        selectedId: enabled.some((record) => record.id === selectedId) ? selectedId : null,
      },
      ...(exitCheckUrl === null ? {} : { exitCheck: { url: exitCheckUrl } }),
      // Address and DHCP only once an admin saved them: until then the board's apply.
      lan: {
        ...(lanPlan === null ? {} : { address: lanPlan.address, dhcp: lanPlan.dhcp, domain: lanPlan.domain }),
        reservations: devices.flatMap((device) =>
          device.reservation === null
            ? []
            : [{ mac: device.mac, ipv4: device.reservation, ...hostLabel(device.name ?? device.hostname) }],
        ),
        policies: devices.flatMap((device) =>
          device.policy === 'tunnel' ? [] : [{ mac: device.mac, policy: device.policy }],
        ),
      },
      remoteAccess:
        remote?.enabled === true && remote.privateKey !== null
          ? {
              listenPort: remote.listenPort,
              privateKey: remote.privateKey,
              addresses: addressesOf(remote),
              peers: remoteDevices
                .filter((device) => device.enabled && !isExpired(device, this.clock.now()))
                .map((device) => ({
                  id: device.id,
                  publicKey: device.publicKey,
                  presharedKey: device.presharedKey,
                  allowedIps: peerAddresses(device, remote.addressV4, remote.addressV6),
                  reach: device.reach,
                  ...(device.expiresAt === null ? {} : { expiresAt: device.expiresAt }),
                })),
            }
          : null,
    };
  }

  private async drain(): Promise<void> {
    while (this.dirty && !this.closed) {
      this.dirty = false;
      let state: DesiredStateV2Input;
      try {
        state = await this.build();
      } catch (error) {
        // The database failed (or closed while the API stops): nothing to send; try again later unless stopping.
        if (!this.closed) {
          this.logger.error(`could not build the desired state: ${String(error)}`);
          this.scheduleRetry();
        }
        return;
      }
      const result = await this.firmware.apply(state);
      // What burrowd reports may have changed with it: readers must not get the report from before.
      this.hub.invalidate();
      const at = new Date().toISOString();
      if (result.outcome === 'applied') {
        if (this.sync.state !== 'applied') {
          this.logger.log('burrowd applied the desired state');
        }
        this.sync = { state: 'applied', detail: result.warnings.join('; ') || null, at };
      } else if (result.outcome === 'refused') {
        this.logger.error(`burrowd refused the desired state: ${result.errors.join('; ')}`);
        this.sync = { state: 'refused', detail: result.errors.join('; '), at };
      } else {
        if (this.sync.detail !== result.reason) {
          this.logger.warn(`burrowd is not reachable; the state will be sent when it is: ${result.reason}`);
        }
        this.sync = { state: 'pending', detail: result.reason, at };
        this.scheduleRetry();
      }
    }
  }

  private scheduleRetry(): void {
    if (this.retry !== null || this.closed) {
      return;
    }
    this.retry = setTimeout(() => {
      this.retry = null;
      this.changed();
    }, RETRY_MS);
    this.retry.unref();
  }
}

/** The device's addresses inside the subnets in force (an IPv6 one only while remote access has IPv6). */
function peerAddresses(device: RemoteDeviceRecord, addressV4: string, addressV6: string | null): string[] {
  const v6 = addressV6 === null ? null : parseIpPrefix(addressV6);
  return [
    device.addressV4,
    ...(device.addressV6 !== null && v6 !== null && isHostIn(v6, device.addressV6) ? [device.addressV6] : []),
  ];
}

/** A name dnsmasq can hand out with a reservation: one DNS label, else none. */
function hostLabel(name: string | null): { hostname?: string } {
  return name !== null && /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/.test(name) ? { hostname: name } : {};
}
