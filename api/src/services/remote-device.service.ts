import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { REMOTE_PEERS_MAX } from '@burrow/firmware/control/household-state';
import { decodeKeyBase64 } from '@burrow/firmware/crypto/keys';
import { canonicalPrefix, formatIpPrefix, parseIpPrefix } from '@burrow/firmware/net/ip';
import {
  type CreateRemoteDeviceDto,
  type RemoteDeviceConfigDto,
  type RemoteDeviceDto,
  type UpdateRemoteDeviceDto,
} from '../dtos/remote-access.dto.js';
import { type UserEntity } from '../entities/user.entity.js';
import {
  type RemoteDeviceChanges,
  type RemoteDeviceRecord,
  RemoteDeviceRepository,
} from '../repositories/remote-device.repository.js';
import { type RemoteAccessRecord } from '../repositories/remote-access.repository.js';
import { WireGuardKeyRepository } from '../repositories/wireguard-key.repository.js';
import { confFileName, renderRemoteDeviceConf } from '../tunnels/remote-device-conf.js';
import { AuditService } from './audit.service.js';
import { BackgroundWork } from './background-work.js';
import { type ClientInfo } from './client-info.js';
import { Clock } from './clock.js';
import { DesiredStateService } from './desired-state.service.js';
import { DomainError } from './domain-error.js';
import { EventService } from './event.service.js';
import { readRemotePeers, readWanAddress, type RemotePeerReport } from './household-report.js';
import { addressesOf, bareAddress, checkName, fieldError, isExpired, nextFreeHost } from './household-rules.js';
import { LanSettingsService } from './lan-settings.service.js';
import { RemoteAccessService, serverPublicKey } from './remote-access.service.js';
import { type StatusReport, StatusHubService } from './status-hub.service.js';
import { type TrafficHistory } from './traffic-history.service.js';
import { type TrafficRange } from './traffic-range.js';
import { RemoteTrafficService } from './remote-traffic.service.js';

/**
 * The devices allowed in through remote access: add (keys made here, or the device's own public key), rename,
 * enable, set an expiry, rekey, delete. The answer to add and rekey is the only one that carries the device's
 * .conf; its private key is never stored. Also tells the household when a device first connects.
 */
@Injectable()
export class RemoteDeviceService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RemoteDeviceService.name);
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly repository: RemoteDeviceRepository,
    private readonly remoteAccess: RemoteAccessService,
    private readonly lan: LanSettingsService,
    private readonly keys: WireGuardKeyRepository,
    private readonly desiredState: DesiredStateService,
    private readonly audit: AuditService,
    private readonly events: EventService,
    private readonly hub: StatusHubService,
    private readonly counts: RemoteTrafficService,
    private readonly clock: Clock,
    private readonly background: BackgroundWork,
  ) {}

  onApplicationBootstrap(): void {
    if (this.background.runs) {
      this.unsubscribe = this.hub.subscribe((report) => this.noticeHandshakes(report), { live: false });
    }
  }

  onApplicationShutdown(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  async list(): Promise<RemoteDeviceDto[]> {
    const [records, { raw }] = await Promise.all([this.repository.list(), this.hub.read()]);
    const peers = readRemotePeers(raw);
    const now = this.clock.now();
    return records.map((record) => mapDevice(record, peers, now));
  }

  async create(request: CreateRemoteDeviceDto, actor: UserEntity, client: ClientInfo): Promise<RemoteDeviceConfigDto> {
    const name = checkName('name', request.name);
    const expiresAt = this.checkExpiry(request.expiresAt ?? null);
    const existing = await this.repository.list();
    let pasted: string | null = null;
    if (request.publicKey !== undefined) {
      pasted = request.publicKey.trim();
      const decoded = decodeKeyBase64(pasted);
      if (!decoded.ok) {
        throw fieldError('publicKey', `is not a WireGuard public key: ${decoded.reason}`);
      }
    }
    if (existing.length >= REMOTE_PEERS_MAX) {
      throw new DomainError('conflict', 'remote_device_limit', `At most ${REMOTE_PEERS_MAX} devices; delete one first`);
    }
    const server = await this.remoteAccess.withServerKey();
    if (
      pasted !== null &&
      (pasted === serverPublicKey(server.privateKey) || existing.some((d) => d.publicKey === pasted))
    ) {
      throw fieldError('publicKey', 'is already in use by the router or another device');
    }
    const v4 = parseIpPrefix(server.addressV4)!;
    const v6 = server.addressV6 === null ? null : parseIpPrefix(server.addressV6)!;
    const addressV4 = nextFreeHost(v4, new Set(existing.map((device) => device.addressV4)));
    const addressV6 =
      v6 === null ? null : nextFreeHost(v6, new Set(existing.flatMap((device) => device.addressV6 ?? [])));
    if (addressV4 === null || (v6 !== null && addressV6 === null)) {
      throw new DomainError(
        'conflict',
        'remote_device_limit',
        "The devices' subnet is full; widen it or delete a device",
      );
    }
    const pair = pasted === null ? this.keys.keyPair() : null;
    const id = await this.repository.insert(
      {
        name,
        publicKey: pair?.publicKey ?? pasted!,
        presharedKey: this.keys.presharedKey(),
        addressV4,
        addressV6,
        reach: request.reach,
        enabled: true,
        expiresAt,
        keysGeneratedOnBox: pair !== null,
      },
      this.clock.now(),
    );
    await this.audit.record({
      action: 'remote_device.added',
      actor,
      address: client.address,
      target: name,
      details: { reach: request.reach, expiresAt, keysGeneratedOnBox: pair !== null },
    });
    await this.events.record({
      kind: 'remote_device.added',
      severity: 'info',
      message: `Remote device ${name} was added`,
      details: { deviceId: id, name },
    });
    this.desiredState.changed();
    return this.configAnswer(await this.find(id), pair?.privateKey ?? null, server);
  }

  async update(
    id: number,
    request: UpdateRemoteDeviceDto,
    actor: UserEntity,
    client: ClientInfo,
  ): Promise<RemoteDeviceDto> {
    const before = await this.find(id);
    const changes: RemoteDeviceChanges = {};
    if (request.name !== undefined) {
      changes.name = checkName('name', request.name);
    }
    if (request.reach !== undefined) {
      changes.reach = request.reach;
    }
    if (request.enabled !== undefined) {
      changes.enabled = request.enabled;
    }
    if (request.expiresAt !== undefined) {
      changes.expiresAt = this.checkExpiry(request.expiresAt);
    }
    if (Object.keys(changes).length > 0) {
      if (!(await this.repository.update(id, changes, this.clock.now()))) {
        throw notFound();
      }
      await this.audit.record({
        action: 'remote_device.updated',
        actor,
        address: client.address,
        target: before.name,
        details: {
          ...(changes.name === undefined ? {} : { renamedTo: changes.name }),
          ...(changes.reach === undefined ? {} : { reach: changes.reach }),
          ...(changes.enabled === undefined ? {} : { enabled: changes.enabled }),
          ...(changes.expiresAt === undefined ? {} : { expiresAt: changes.expiresAt }),
        },
      });
      this.desiredState.changed();
    }
    return this.get(id);
  }

  async delete(id: number, actor: UserEntity, client: ClientInfo): Promise<void> {
    const record = await this.find(id);
    if (!(await this.repository.delete(id))) {
      throw notFound();
    }
    await this.audit.record({ action: 'remote_device.deleted', actor, address: client.address, target: record.name });
    await this.events.record({
      kind: 'remote_device.removed',
      severity: 'info',
      message: `Remote device ${record.name} was removed`,
      details: { deviceId: id, name: record.name },
    });
    this.desiredState.changed();
  }

  /** New keys made here (and a new preshared key): the old .conf stops working once burrowd has the change. */
  async rekey(id: number, actor: UserEntity, client: ClientInfo): Promise<RemoteDeviceConfigDto> {
    const record = await this.find(id);
    const pair = this.keys.keyPair();
    await this.repository.update(
      id,
      {
        publicKey: pair.publicKey,
        presharedKey: this.keys.presharedKey(),
        keysGeneratedOnBox: true,
        firstHandshakeAt: null,
      },
      this.clock.now(),
    );
    await this.audit.record({ action: 'remote_device.rekeyed', actor, address: client.address, target: record.name });
    this.desiredState.changed();
    return this.configAnswer(await this.find(id), pair.privateKey, await this.remoteAccess.withServerKey());
  }

  async traffic(id: number, range: TrafficRange): Promise<TrafficHistory> {
    await this.find(id);
    this.countTraffic(await this.hub.read(), await this.repository.list());
    return this.counts.samples(id, range);
  }

  private async get(id: number): Promise<RemoteDeviceDto> {
    const [record, { raw }] = await Promise.all([this.find(id), this.hub.read()]);
    return mapDevice(record, readRemotePeers(raw), this.clock.now());
  }

  private async configAnswer(
    record: RemoteDeviceRecord,
    privateKey: string | null,
    server: RemoteAccessRecord & { privateKey: string },
  ): Promise<RemoteDeviceConfigDto> {
    const [lan, { raw }] = await Promise.all([this.lan.effective(), this.hub.read()]);
    const remoteSubnets = addressesOf(server).map(canonical);
    const lanSubnets = [lan.address, lan.ipv6Prefix].flatMap((address) =>
      address === null ? [] : [canonical(address)],
    );
    const config = renderRemoteDeviceConf({
      privateKey,
      addresses: addressesOf(record),
      dns: addressesOf(server).map(bareAddress),
      serverPublicKey: serverPublicKey(server.privateKey),
      presharedKey: record.presharedKey,
      allowedIps: record.reach === 'internet' ? ['0.0.0.0/0', '::/0'] : [...lanSubnets, ...remoteSubnets],
      endpointHost: server.endpointHost ?? readWanAddress(raw),
      listenPort: server.listenPort,
    });
    return {
      device: mapDevice(record, readRemotePeers(raw), this.clock.now()),
      config,
      qrCode: await this.keys.qrPngDataUrl(config),
      fileName: confFileName(record.name),
    };
  }

  /** An expiry in ISO form; one already past is refused (the device could never connect). */
  private checkExpiry(value: string | null): string | null {
    if (value === null) {
      return null;
    }
    const at = Date.parse(value);
    if (Number.isNaN(at)) {
      throw fieldError('expiresAt', 'must be a date and time');
    }
    if (at <= this.clock.now().getTime()) {
      throw fieldError('expiresAt', 'must be in the future');
    }
    return new Date(at).toISOString();
  }

  /** The first handshake of each device (and of each new key after a rekey) is an event. */
  private async noticeHandshakes(report: StatusReport): Promise<void> {
    if (readRemotePeers(report.raw).length === 0) {
      // Remote access off, or no device in force: nothing to count or notice, and no read of the table.
      return;
    }
    const records = await this.repository.list();
    this.countTraffic(report, records);
    const peers = readRemotePeers(report.raw).filter((peer) => peer.lastHandshake !== null);
    for (const record of records) {
      const peer = peers.find((candidate) => candidate.publicKey === record.publicKey);
      if (peer === undefined || record.firstHandshakeAt !== null) {
        continue;
      }
      await this.repository.update(record.id, { firstHandshakeAt: peer.lastHandshake }, this.clock.now());
      this.logger.log(`remote device ${record.id} completed its first handshake`);
      await this.events.record({
        kind: 'remote_device.first_handshake',
        severity: 'info',
        message: `Remote device ${record.name} connected for the first time`,
        details: { deviceId: record.id, name: record.name, endpoint: peer.endpoint },
      });
    }
  }

  private countTraffic(report: StatusReport, devices: readonly RemoteDeviceRecord[]): void {
    const ids = new Map(devices.map((device) => [device.publicKey, device.id]));
    this.counts.count(report.at, readRemotePeers(report.raw), ids);
  }

  private async find(id: number): Promise<RemoteDeviceRecord> {
    const record = await this.repository.findById(id);
    if (record === null) {
      throw notFound();
    }
    return record;
  }
}

function mapDevice(record: RemoteDeviceRecord, peers: RemotePeerReport[], now: Date): RemoteDeviceDto {
  const peer = peers.find((candidate) => candidate.publicKey === record.publicKey);
  return {
    id: record.id,
    name: record.name,
    publicKey: record.publicKey,
    addresses: addressesOf(record),
    reach: record.reach,
    enabled: record.enabled,
    expiresAt: record.expiresAt,
    expired: isExpired(record, now),
    keysGeneratedOnBox: record.keysGeneratedOnBox,
    createdAt: record.createdAt,
    lastHandshakeAt: peer?.lastHandshake ?? null,
    endpoint: peer?.endpoint ?? null,
    rxBytes: peer?.rxBytes ?? 0,
    txBytes: peer?.txBytes ?? 0,
  };
}

/** "10.99.0.1/24" → "10.99.0.0/24". */
function canonical(address: string): string {
  return formatIpPrefix(canonicalPrefix(parseIpPrefix(address)!));
}

function notFound(): DomainError {
  return new DomainError('not_found', 'not_found', 'No such remote device');
}
