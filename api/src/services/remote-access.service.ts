import { Injectable } from '@nestjs/common';
import { decodeKeyBase64, encodeKeyBase64 } from '@burrow/firmware/crypto/keys';
import { publicKeyFromPrivate } from '@burrow/firmware/crypto/x25519';
import { hasControlCharacter, isHostname } from '@burrow/firmware/control/state-fields';
import { DEFAULT_REMOTE_PORT } from '@burrow/firmware/control/household-state';
import { formatIpPrefix, parseIp } from '@burrow/firmware/net/ip';
import { type RemoteAccessDto, type UpdateRemoteAccessDto } from '../dtos/remote-access.dto.js';
import { type UserEntity } from '../entities/user.entity.js';
import { type RemoteAccessRecord, RemoteAccessRepository } from '../repositories/remote-access.repository.js';
import { RemoteDeviceRepository } from '../repositories/remote-device.repository.js';
import { TunnelProfileRepository } from '../repositories/tunnel-profile.repository.js';
import { WireGuardKeyRepository } from '../repositories/wireguard-key.repository.js';
import { AuditService } from './audit.service.js';
import { type ClientInfo } from './client-info.js';
import { DesiredStateService } from './desired-state.service.js';
import { readUpstreamListenPort, readWanAddress } from './household-report.js';
import { checkRouterAddress, fieldError, isHostIn, prefixOverlaps } from './household-rules.js';
import { LanSettingsService } from './lan-settings.service.js';
import { StatusHubService } from './status-hub.service.js';

/** Before an admin saves anything: off, on WireGuard's usual port, in subnets few households use. */
export const REMOTE_ACCESS_DEFAULTS: Omit<RemoteAccessRecord, 'privateKey'> = {
  enabled: false,
  listenPort: DEFAULT_REMOTE_PORT,
  addressV4: '10.99.0.1/24',
  addressV6: 'fd99::1/64',
  endpointHost: null,
};

/** The router's own services' ports (DNS, DHCP, the web page): a remote-access port there would only confuse. */
const RESERVED_PORTS = new Set([53, 67, 80, 443]);
const ENDPOINT_HOST_MAX = 253;

/**
 * The router as a WireGuard server for the household's remote devices: on or off, its port, the devices'
 * subnets, and the name devices dial. The server key is made when remote access is first turned on (or the first
 * device is added) and kept: only its public key is ever returned.
 */
@Injectable()
export class RemoteAccessService {
  constructor(
    private readonly repository: RemoteAccessRepository,
    private readonly devices: RemoteDeviceRepository,
    private readonly profiles: TunnelProfileRepository,
    private readonly lan: LanSettingsService,
    private readonly keys: WireGuardKeyRepository,
    private readonly desiredState: DesiredStateService,
    private readonly audit: AuditService,
    private readonly hub: StatusHubService,
  ) {}

  async get(): Promise<RemoteAccessDto> {
    const [record, { raw }] = await Promise.all([this.current(), this.hub.read()]);
    return {
      enabled: record.enabled,
      listenPort: record.listenPort,
      addressV4: record.addressV4,
      addressV6: record.addressV6,
      endpointHost: record.endpointHost,
      wanAddress: readWanAddress(raw),
      publicKey: record.privateKey === null ? null : serverPublicKey(record.privateKey),
    };
  }

  /** The settings with a server key, made (and saved) now if there is none yet. */
  async withServerKey(): Promise<RemoteAccessRecord & { privateKey: string }> {
    const record = await this.current();
    if (record.privateKey !== null) {
      return { ...record, privateKey: record.privateKey };
    }
    const withKey = { ...record, privateKey: this.keys.keyPair().privateKey };
    await this.repository.write(withKey, new Date());
    return withKey;
  }

  /** The saved settings, or the defaults before any were saved. */
  private async current(): Promise<RemoteAccessRecord> {
    return (await this.repository.read()) ?? { ...REMOTE_ACCESS_DEFAULTS, privateKey: null };
  }

  async update(request: UpdateRemoteAccessDto, actor: UserEntity, client: ClientInfo): Promise<RemoteAccessDto> {
    const next = await this.check(request);
    const before = await this.repository.read();
    const privateKey = before?.privateKey ?? (next.enabled ? this.keys.keyPair().privateKey : null);
    await this.repository.write({ ...next, privateKey }, new Date());
    await this.audit.record({
      action: 'remote_access.changed',
      actor,
      address: client.address,
      details: {
        enabled: next.enabled,
        listenPort: next.listenPort,
        addressV4: next.addressV4,
        addressV6: next.addressV6,
        endpointHost: next.endpointHost,
      },
    });
    this.desiredState.changed();
    return this.get();
  }

  /** The request in canonical form, or a 400 naming the first field that is wrong; nothing is changed before. */
  private async check(request: UpdateRemoteAccessDto): Promise<Omit<RemoteAccessRecord, 'privateKey'>> {
    const v4 = checkRouterAddress('addressV4', request.addressV4, 4);
    const v6 = request.addressV6 === null ? null : checkRouterAddress('addressV6', request.addressV6, 6);
    const addressV4 = formatIpPrefix(v4);
    const addressV6 = v6 === null ? null : formatIpPrefix(v6);
    const endpointHost = request.endpointHost === null ? null : checkEndpointHost(request.endpointHost);
    if (RESERVED_PORTS.has(request.listenPort)) {
      throw fieldError('listenPort', "is one of the router's own services' ports (53, 67, 80, 443)");
    }
    const { raw } = await this.hub.read();
    if (readUpstreamListenPort(raw) === request.listenPort) {
      throw fieldError('listenPort', 'is the port of the upstream tunnel');
    }
    const [lan, profiles] = await Promise.all([this.lan.effective(), this.profiles.list()]);
    for (const [field, address] of [
      ['addressV4', addressV4],
      ['addressV6', addressV6],
    ] as const) {
      if (address === null) {
        continue;
      }
      if (
        prefixOverlaps(address, lan.address) ||
        (lan.ipv6Prefix !== null && prefixOverlaps(address, lan.ipv6Prefix))
      ) {
        throw fieldError(field, 'overlaps the LAN subnet');
      }
      for (const profile of profiles) {
        if (profile.profile.addresses.some((tunnelAddress) => prefixOverlaps(address, tunnelAddress))) {
          throw fieldError(field, `overlaps the addresses of the tunnel profile ${profile.name}`);
        }
      }
    }
    for (const device of await this.devices.list()) {
      if (!isHostIn(v4, device.addressV4)) {
        throw fieldError('addressV4', `leaves out the address of the device ${device.name}: delete it first`);
      }
      if (device.addressV6 !== null && v6 !== null && !isHostIn(v6, device.addressV6)) {
        throw fieldError('addressV6', `leaves out the address of the device ${device.name}: delete it first`);
      }
    }
    return { enabled: request.enabled, listenPort: request.listenPort, addressV4, addressV6, endpointHost };
  }
}

export function serverPublicKey(privateKey: string): string {
  const decoded = decodeKeyBase64(privateKey);
  if (!decoded.ok) {
    throw new Error('the stored remote-access key is not a key');
  }
  return encodeKeyBase64(publicKeyFromPrivate(decoded.value));
}

/** A DNS name or an IP address (IPv6 without brackets); lowercase. */
function checkEndpointHost(raw: string): string {
  const host = raw.trim();
  if (hasControlCharacter(raw)) {
    throw fieldError('endpointHost', 'must not contain control characters');
  }
  const bytes = parseIp(host);
  if (bytes === null && (host.length > ENDPOINT_HOST_MAX || !isHostname(host))) {
    throw fieldError('endpointHost', 'must be a DNS name or an IP address, without a port');
  }
  return bytes === null ? host.toLowerCase().replace(/\.$/, '') : host.toLowerCase();
}
