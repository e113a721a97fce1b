import { Injectable } from '@nestjs/common';
import { dhcpSchema } from '@burrow/firmware/control/desired-state';
import { isHostname, lanAddress } from '@burrow/firmware/control/state-fields';
import { canonicalPrefix, contains, formatIpPrefix, parseIp, parseIpPrefix, unmapIpv4 } from '@burrow/firmware/net/ip';
import { type LanSettingsDto, type UpdateLanDto } from '../dtos/lan.dto.js';
import { type UserEntity } from '../entities/user.entity.js';
import { LanDeviceRepository } from '../repositories/lan-device.repository.js';
import { RemoteAccessRepository } from '../repositories/remote-access.repository.js';
import { TunnelProfileRepository } from '../repositories/tunnel-profile.repository.js';
import { AuditService } from './audit.service.js';
import { type ClientInfo } from './client-info.js';
import { DesiredStateService } from './desired-state.service.js';
import { DomainError } from './domain-error.js';
import { bareAddress, fieldError, isHostIn, prefixOverlaps } from './household-rules.js';
import { type LanPlan, LanSettingsService } from './lan-settings.service.js';

/** The LAN's subnet, DHCP range, lease time and local domain (GET/PUT /api/lan). */
@Injectable()
export class LanService {
  constructor(
    private readonly settings: LanSettingsService,
    private readonly devices: LanDeviceRepository,
    private readonly remote: RemoteAccessRepository,
    private readonly profiles: TunnelProfileRepository,
    private readonly desiredState: DesiredStateService,
    private readonly audit: AuditService,
  ) {}

  async get(): Promise<LanSettingsDto> {
    const lan = await this.settings.effective();
    return { address: lan.address, dhcp: lan.dhcp, domain: lan.domain, ipv6Prefix: lan.ipv6Prefix };
  }

  async update(request: UpdateLanDto, actor: UserEntity, client: ClientInfo): Promise<LanSettingsDto> {
    const plan = await this.check(request);
    const before = await this.settings.effective();
    if (request.confirm !== true && cutsOff(before.address, plan.address, client.address)) {
      throw new DomainError(
        'conflict',
        'lan_cut_off',
        'This change would cut off the device you are using: it would need a new address (reconnect, or renew its DHCP lease). Send it again with confirm to apply it',
      );
    }
    await this.settings.save(plan);
    await this.audit.record({
      action: 'lan.changed',
      actor,
      address: client.address,
      details: {
        address: plan.address,
        rangeStart: plan.dhcp.rangeStart,
        rangeEnd: plan.dhcp.rangeEnd,
        leaseSeconds: plan.dhcp.leaseSeconds,
        domain: plan.domain,
      },
    });
    this.desiredState.changed();
    return this.get();
  }

  /** The plan in canonical form, or a 400 naming the first field that is wrong. */
  private async check(request: UpdateLanDto): Promise<LanPlan> {
    // The firmware's own schemas: the API refuses exactly what burrowd would.
    const parsedAddress = lanAddress.safeParse(request.address);
    if (!parsedAddress.success) {
      throw fieldError('address', parsedAddress.error.issues[0]!.message);
    }
    const parsedDhcp = dhcpSchema.safeParse(request.dhcp);
    if (!parsedDhcp.success) {
      const issue = parsedDhcp.error.issues[0]!;
      throw fieldError(['dhcp', ...issue.path.map(String)].join('.'), issue.message);
    }
    const address = parsedAddress.data;
    const dhcp = parsedDhcp.data;
    const subnet = parseIpPrefix(address)!;
    const network = formatIpPrefix(canonicalPrefix(subnet));
    for (const field of ['rangeStart', 'rangeEnd'] as const) {
      if (!isHostIn(subnet, dhcp[field])) {
        throw fieldError(`dhcp.${field}`, `must be a host address inside ${network}, not the router's`);
      }
    }
    const start = parseIp(dhcp.rangeStart)!;
    const end = parseIp(dhcp.rangeEnd)!;
    if (Buffer.compare(start, end) > 0) {
      throw fieldError('dhcp.rangeEnd', 'must not come before rangeStart');
    }
    if (Buffer.compare(start, subnet.bytes) <= 0 && Buffer.compare(subnet.bytes, end) <= 0) {
      throw fieldError('dhcp', "the range must not include the router's own address");
    }
    const domain = request.domain.trim().toLowerCase().replace(/\.$/, '');
    if (!isHostname(domain)) {
      throw fieldError('domain', 'must be a domain name, like lan or home.arpa');
    }
    const remote = await this.remote.read();
    if (remote !== null) {
      for (const remoteAddress of [remote.addressV4, remote.addressV6]) {
        if (remoteAddress !== null && prefixOverlaps(address, remoteAddress)) {
          throw fieldError('address', "overlaps the remote-access devices' subnet");
        }
      }
    }
    for (const profile of await this.profiles.list()) {
      if (profile.profile.addresses.some((tunnelAddress) => prefixOverlaps(address, tunnelAddress))) {
        throw fieldError('address', `overlaps the addresses of the tunnel profile ${profile.name}`);
      }
    }
    for (const device of await this.devices.list()) {
      if (device.reservation !== null && !isHostIn(subnet, device.reservation)) {
        throw fieldError(
          'address',
          `leaves out the address reserved for ${device.name ?? device.hostname ?? device.mac}`,
        );
      }
    }
    return { address, dhcp, domain };
  }
}

/**
 * Whether the change cuts the requester off: it is on the LAN now, and either its address leaves the new subnet or
 * the router's address (its gateway, and the page's address) changes.
 */
function cutsOff(before: string, after: string, clientAddress: string): boolean {
  const clientBytes = parseIp(clientAddress);
  const current = parseIpPrefix(before);
  const next = parseIpPrefix(after)!;
  if (clientBytes === null || current === null) {
    return false;
  }
  const client = unmapIpv4(clientBytes);
  if (!contains(current, client)) {
    return false;
  }
  return bareAddress(before) !== bareAddress(after) || !contains(next, client);
}
