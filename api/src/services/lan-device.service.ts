import { type BeforeApplicationShutdown, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { macAddress } from '@burrow/firmware/control/household-state';
import { ipv4Address } from '@burrow/firmware/control/state-fields';
import { parseIpPrefix } from '@burrow/firmware/net/ip';
import { type LanDeviceDto, type UpdateLanDeviceDto } from '../dtos/lan.dto.js';
import { type UserEntity } from '../entities/user.entity.js';
import {
  type LanDeviceChanges,
  type LanDeviceRecord,
  LanDeviceRepository,
  type LanDeviceSighting,
} from '../repositories/lan-device.repository.js';
import { AuditService } from './audit.service.js';
import { BackgroundWork } from './background-work.js';
import { ReportCounting } from './report-counting.js';
import { grewBy } from './traffic-counters.js';
import { type ClientInfo } from './client-info.js';
import { Clock } from './clock.js';
import { DesiredStateService } from './desired-state.service.js';
import { type LanDeviceReport, readLanDevices } from './household-report.js';
import { checkName, fieldError, isHostIn } from './household-rules.js';
import { LanSettingsService } from './lan-settings.service.js';
import { type StatusReport, StatusHubService } from './status-hub.service.js';

/** What is seen reaches the database this often (and at once when a new device appears): the SD card is spared. */
export const LAN_FLUSH_INTERVAL_MS = 60_000;
/** A device holding a lease counts as online while bytes moved through the router this recently. */
export const ACTIVE_WINDOW_MS = 2 * 60_000;

const ONLINE_NEIGHBOUR_STATES = new Set(['reachable', 'delay', 'probe', 'permanent']);

interface LiveDevice {
  report: LanDeviceReport;
  online: boolean;
  /** When its counters last grew (epoch ms), or 0. */
  activeAt: number;
  /** Bytes counted and not yet written. */
  pendingRx: number;
  pendingTx: number;
}

/**
 * The household's LAN devices: what burrowd sees (DHCP leases, the neighbour table, per-device byte counters)
 * merged with what admins set (name, policy, reservation), keyed by MAC.
 *
 * Online: the kernel's neighbour entry is reachable (or being confirmed: delay, probe; or permanent), or the device
 * holds an unexpired lease and its bytes moved in the last two minutes. A `stale` entry alone is not online: the
 * kernel keeps those for a while after a device left. Bytes: burrowd's counters are cumulative while it runs; a
 * counter that goes down was reset (burrowd restarted) and all of its value is new; the first report after the API
 * starts only sets the baseline, as for the tunnel's traffic (traffic-counters.ts).
 */
@Injectable()
export class LanDeviceService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(LanDeviceService.name);
  private readonly live = new Map<string, LiveDevice>();
  private readonly known = new Set<string>();
  private loadedKnown = false;
  private countedAt = 0;
  private writing: Promise<void> = Promise.resolve();
  private readonly counting: ReportCounting;

  constructor(
    private readonly repository: LanDeviceRepository,
    private readonly lan: LanSettingsService,
    private readonly desiredState: DesiredStateService,
    private readonly audit: AuditService,
    private readonly hub: StatusHubService,
    private readonly clock: Clock,
    private readonly background: BackgroundWork,
  ) {
    this.counting = new ReportCounting(
      hub,
      (report) => this.observe(report),
      () => this.flush(),
      LAN_FLUSH_INTERVAL_MS,
    );
  }

  onApplicationBootstrap(): void {
    if (!this.background.runs) {
      return;
    }
    this.counting.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.counting.stop();
  }

  async list(): Promise<LanDeviceDto[]> {
    await this.observe(await this.hub.read());
    await this.writing;
    const records = await this.repository.list();
    return records.map((record) => this.map(record));
  }

  async update(
    rawMac: string,
    request: UpdateLanDeviceDto,
    actor: UserEntity,
    client: ClientInfo,
  ): Promise<LanDeviceDto> {
    const parsedMac = macAddress.safeParse(rawMac);
    if (!parsedMac.success) {
      throw fieldError('mac', parsedMac.error.issues[0]!.message);
    }
    const mac = parsedMac.data;
    const changes: LanDeviceChanges = {};
    if (request.name !== undefined) {
      changes.name = request.name === null ? null : checkName('name', request.name);
    }
    if (request.policy !== undefined) {
      changes.policy = request.policy;
    }
    if (request.reservation !== undefined) {
      changes.reservation = request.reservation === null ? null : await this.checkReservation(request.reservation);
    }
    if (Object.keys(changes).length > 0) {
      if ((await this.repository.update(mac, changes, this.clock.now())) === 'reservation_taken') {
        throw fieldError('reservation', 'is reserved for another device');
      }
      this.known.add(mac);
      await this.audit.record({
        action: 'lan_device.updated',
        actor,
        address: client.address,
        target: mac,
        details: {
          ...(changes.name === undefined ? {} : { name: changes.name }),
          ...(changes.policy === undefined ? {} : { policy: changes.policy }),
          ...(changes.reservation === undefined ? {} : { reservation: changes.reservation }),
        },
      });
      this.desiredState.changed();
    }
    const record = await this.repository.find(mac);
    return this.map(record!);
  }

  /** Counts one report: each device's byte growth, whether it is online; a device never seen is written at once. */
  async observe(report: StatusReport): Promise<void> {
    if (report.at <= this.countedAt) {
      return;
    }
    this.countedAt = report.at;
    const devices = readLanDevices(report.raw);
    if (devices === null) {
      return;
    }
    if (!this.loadedKnown) {
      (await this.repository.list()).forEach((record) => record.firstSeen !== null && this.known.add(record.mac));
      this.loadedKnown = true;
    }
    const now = this.clock.now().getTime();
    let fresh = false;
    const seen = new Set<string>();
    for (const device of devices) {
      seen.add(device.mac);
      const before = this.live.get(device.mac);
      const { rxBytes: addRx, txBytes: addTx } =
        before === undefined ? { rxBytes: 0, txBytes: 0 } : grewBy(before.report, device);
      const activeAt = addRx + addTx > 0 ? now : (before?.activeAt ?? 0);
      const leased = device.leaseExpires !== null && Date.parse(device.leaseExpires) > now;
      const online =
        (device.neighbour !== null && ONLINE_NEIGHBOUR_STATES.has(device.neighbour)) ||
        (leased && now - activeAt <= ACTIVE_WINDOW_MS);
      this.live.set(device.mac, {
        report: device,
        online,
        activeAt,
        pendingRx: (before?.pendingRx ?? 0) + addRx,
        pendingTx: (before?.pendingTx ?? 0) + addTx,
      });
      if (!this.known.has(device.mac)) {
        fresh = true;
      }
    }
    for (const [mac, device] of this.live) {
      if (!seen.has(mac)) {
        // No longer reported: its bytes so far still count; it is offline.
        this.live.set(mac, { ...device, online: false });
      }
    }
    if (fresh) {
      await this.flush();
    }
  }

  /** Writes what was seen since the last write: sightings, and the bytes counted. */
  flush(): Promise<void> {
    this.writing = this.writing.then(async () => {
      const sightings: LanDeviceSighting[] = [];
      for (const [mac, device] of this.live) {
        if (!this.known.has(mac) || device.online || device.pendingRx + device.pendingTx > 0) {
          sightings.push({
            mac,
            hostname: device.report.hostname,
            ipv4: device.report.ipv4,
            ipv6: device.report.ipv6,
            addRxBytes: device.pendingRx,
            addTxBytes: device.pendingTx,
          });
        }
      }
      try {
        await this.repository.recordSightings(sightings, this.clock.now());
        for (const sighting of sightings) {
          const device = this.live.get(sighting.mac)!;
          this.live.set(sighting.mac, {
            ...device,
            pendingRx: device.pendingRx - sighting.addRxBytes,
            pendingTx: device.pendingTx - sighting.addTxBytes,
          });
          this.known.add(sighting.mac);
        }
      } catch (error) {
        this.logger.error(`could not record the LAN devices: ${String(error)}`);
      }
    });
    return this.writing;
  }

  private async checkReservation(raw: string): Promise<string> {
    const parsed = ipv4Address.safeParse(raw.trim());
    if (!parsed.success) {
      throw fieldError('reservation', parsed.error.issues[0]!.message);
    }
    const lan = await this.lan.effective();
    const subnet = parseIpPrefix(lan.address)!;
    if (!isHostIn(subnet, parsed.data)) {
      throw fieldError('reservation', `must be a host address inside the LAN (${lan.address}), not the router's`);
    }
    return parsed.data;
  }

  private map(record: LanDeviceRecord): LanDeviceDto {
    const live = this.live.get(record.mac);
    // A device set up ahead and not seen yet: the moment it was set up.
    const createdAt = record.firstSeen ?? record.createdAt;
    return {
      mac: record.mac,
      name: record.name ?? live?.report.hostname ?? record.hostname,
      hostname: live?.report.hostname ?? record.hostname,
      ipv4: live?.report.ipv4 ?? record.ipv4,
      ipv6: live?.report.ipv6 ?? record.ipv6,
      firstSeen: createdAt,
      lastSeen: live?.online === true ? this.clock.now().toISOString() : (record.lastSeen ?? createdAt),
      online: live?.online ?? false,
      rxBytes: record.rxBytes + (live?.pendingRx ?? 0),
      txBytes: record.txBytes + (live?.pendingTx ?? 0),
      policy: record.policy,
      reservation: record.reservation,
    };
  }
}
