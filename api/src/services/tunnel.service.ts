import { Injectable } from '@nestjs/common';
import { decodeKeyBase64, encodeKeyBase64 } from '@burrow/firmware/crypto/keys';
import { publicKeyFromPrivate } from '@burrow/firmware/crypto/x25519';
import {
  type TunnelCheckDto,
  type TunnelDto,
  type TunnelFieldsDto,
  type TunnelImportDto,
  TUNNEL_NAME_MAX_LENGTH,
  TUNNEL_PROFILES_MAX,
  type UpdateTunnelDto,
} from '../dtos/tunnel.dto.js';
import { type UserEntity } from '../entities/user.entity.js';
import {
  type TunnelProfileChanges,
  type TunnelProfileRecord,
  TunnelProfileRepository,
} from '../repositories/tunnel-profile.repository.js';
import { routingWarnings } from '../tunnels/wg-quick-coverage.js';
import { parseWgQuick } from '../tunnels/wg-quick-parse.js';
import { type WgQuickProfile } from '../tunnels/wg-quick-profile.js';
import { renderWgQuick } from '../tunnels/wg-quick-render.js';
import { AccountService } from './account.service.js';
import { AuditService } from './audit.service.js';
import { carryingProfileIds } from './carrying-profile.js';
import { type ClientInfo } from './client-info.js';
import { DomainError } from './domain-error.js';
import { INVISIBLE_OR_CONTROL } from './username-rules.js';
import { type AuthContext } from './session.service.js';
import { DesiredStateService } from './desired-state.service.js';
import { readGatewayReport } from './gateway-report.js';
import { GatewaySettingsService } from './gateway-settings.service.js';
import { StatusHubService } from './status-hub.service.js';

/**
 * The household's VPN provider profiles: import from wg-quick files, order, enable, choose, export. Keys stay
 * in the database: no answer carries a private or preshared key except the password-confirmed export.
 */
@Injectable()
export class TunnelService {
  constructor(
    private readonly profiles: TunnelProfileRepository,
    private readonly settings: GatewaySettingsService,
    private readonly desiredState: DesiredStateService,
    private readonly account: AccountService,
    private readonly audit: AuditService,
    private readonly hub: StatusHubService,
  ) {}

  async list(): Promise<TunnelDto[]> {
    const [records, selectedId] = await Promise.all([this.profiles.list(), this.settings.selectedTunnelId()]);
    return records.map((record) => mapTunnel(record, selectedId));
  }

  async get(id: number): Promise<TunnelDto> {
    return mapTunnel(await this.find(id), await this.settings.selectedTunnelId());
  }

  /** Reads a file and says what it holds, changing nothing. */
  check(config: string): TunnelCheckDto {
    const { profile, notices } = readConfig(config);
    return { ...describeProfile(profile), notices };
  }

  async import(name: string, config: string, actor: UserEntity, client: ClientInfo): Promise<TunnelImportDto> {
    const checkedName = validName(name);
    const { profile, notices } = readConfig(config);
    const id = await this.profiles.insert(checkedName, profile, TUNNEL_PROFILES_MAX, new Date());
    if (id === undefined) {
      throw (await this.profiles.count()) >= TUNNEL_PROFILES_MAX
        ? new DomainError('conflict', 'tunnel_limit', `At most ${TUNNEL_PROFILES_MAX} profiles; delete one first`)
        : nameTaken();
    }
    await this.audit.record({
      action: 'tunnel.imported',
      actor,
      address: client.address,
      target: checkedName.name,
      details: { endpoint: profile.peers[0]!.endpoint },
    });
    this.desiredState.changed();
    return { tunnel: await this.get(id), notices };
  }

  async update(id: number, request: UpdateTunnelDto, actor: UserEntity, client: ClientInfo): Promise<TunnelDto> {
    const before = await this.find(id);
    const changes: TunnelProfileChanges = {};
    if (request.name !== undefined && request.name !== before.name) {
      changes.name = validName(request.name);
    }
    if (request.enabled !== undefined && request.enabled !== before.enabled) {
      changes.enabled = request.enabled;
    }
    if (request.priority !== undefined && request.priority !== before.priority) {
      changes.priority = request.priority;
    }
    if (Object.keys(changes).length === 0) {
      return this.get(id);
    }
    const result = await this.profiles.update(id, changes, new Date());
    if (result === 'not_found') {
      throw notFound();
    }
    if (result === 'name_taken') {
      throw nameTaken();
    }
    await this.audit.record({
      action: 'tunnel.updated',
      actor,
      address: client.address,
      target: before.name,
      details: {
        ...(changes.name === undefined ? {} : { renamedTo: changes.name.name }),
        ...(changes.enabled === undefined ? {} : { enabled: changes.enabled }),
        ...(changes.priority === undefined ? {} : { priority: changes.priority }),
      },
    });
    this.desiredState.changed();
    return this.get(id);
  }

  async delete(id: number, actor: UserEntity, client: ClientInfo): Promise<void> {
    const record = await this.find(id);
    if (!(await this.settings.killSwitch()) && (await this.carryingIds()).includes(id)) {
      throw new DomainError(
        'conflict',
        'tunnel_in_use',
        'This profile carries the household’s traffic and the kill switch is off: activate another one or turn the kill switch on first',
      );
    }
    if (!(await this.profiles.delete(id))) {
      throw notFound();
    }
    if ((await this.settings.selectedTunnelId()) === id) {
      await this.settings.selectTunnel(null);
    }
    await this.audit.record({ action: 'tunnel.deleted', actor, address: client.address, target: record.name });
    this.desiredState.changed();
  }

  /** Chooses this profile by hand; failover still moves on from it when it stops working. */
  async activate(id: number, actor: UserEntity, client: ClientInfo): Promise<TunnelDto> {
    const record = await this.find(id);
    if (!record.enabled) {
      throw new DomainError('conflict', 'tunnel_in_use', 'Enable this profile before activating it');
    }
    await this.settings.selectTunnel(id);
    await this.audit.record({ action: 'tunnel.activated', actor, address: client.address, target: record.name });
    this.desiredState.changed();
    return this.get(id);
  }

  /** The profile as a wg-quick file; with the admin's password it includes the keys, and that is audited. */
  async export(
    id: number,
    withKeys: { auth: AuthContext; password: string; client: ClientInfo } | null,
  ): Promise<{ filename: string; text: string }> {
    const record = await this.find(id);
    if (withKeys !== null) {
      await this.account.confirmPassword(withKeys.auth, withKeys.password, withKeys.client);
      await this.audit.record({
        action: 'tunnel.exported_with_keys',
        actor: withKeys.auth.user,
        address: withKeys.client.address,
        target: record.name,
      });
    }
    const text = renderWgQuick(record.profile, { name: record.name, includeSecrets: withKeys !== null });
    return { filename: `${fileStem(record.name)}.conf`, text };
  }

  /** The profiles that carry traffic now (burrowd's choice, after failover too) or will once burrowd has the change. */
  private async carryingIds(): Promise<number[]> {
    const [profiles, selectedId, { raw }] = await Promise.all([
      this.profiles.list(),
      this.settings.selectedTunnelId(),
      this.hub.read(),
    ]);
    return carryingProfileIds({
      profiles,
      selectedId,
      reportedActiveId: readGatewayReport(raw)?.activeId ?? null,
      synced: this.desiredState.status.state === 'applied',
    });
  }

  private async find(id: number): Promise<TunnelProfileRecord> {
    const record = await this.profiles.findById(id);
    if (record === null) {
      throw notFound();
    }
    return record;
  }
}

function readConfig(config: string): { profile: WgQuickProfile; notices: string[] } {
  const result = parseWgQuick(config);
  if (!result.ok) {
    const count = result.problems.length;
    throw new DomainError(
      'invalid',
      'tunnel_config_invalid',
      `The file has ${count} ${count === 1 ? 'problem' : 'problems'}; nothing was saved`,
      result.problems,
    );
  }
  return { profile: result.profile, notices: result.notices };
}

function validName(raw: string): { name: string; key: string } {
  const name = raw.normalize('NFC').trim();
  const length = [...name].length;
  if (length < 1 || length > TUNNEL_NAME_MAX_LENGTH || INVISIBLE_OR_CONTROL.test(name)) {
    throw new DomainError(
      'invalid',
      'tunnel_name_invalid',
      `The name must be 1 to ${TUNNEL_NAME_MAX_LENGTH} characters, without control or invisible characters`,
    );
  }
  return { name, key: name.toLowerCase() };
}

function describeProfile(profile: WgQuickProfile): TunnelFieldsDto {
  const privateKey = decodeKeyBase64(profile.privateKey);
  if (!privateKey.ok) {
    throw new Error('a stored profile holds an invalid private key');
  }
  return {
    publicKey: encodeKeyBase64(publicKeyFromPrivate(privateKey.value)),
    addresses: profile.addresses,
    dns: profile.dns,
    searchDomains: profile.searchDomains,
    mtu: profile.mtu ?? null,
    peers: profile.peers.map((peer) => ({
      publicKey: peer.publicKey,
      endpoint: peer.endpoint,
      allowedIps: peer.allowedIps,
      persistentKeepalive: peer.persistentKeepalive ?? null,
      hasPresharedKey: peer.presharedKey !== undefined,
    })),
    warnings: routingWarnings(profile),
  };
}

function mapTunnel(record: TunnelProfileRecord, selectedId: number | null): TunnelDto {
  return {
    id: record.id,
    name: record.name,
    priority: record.priority,
    enabled: record.enabled,
    selected: record.id === selectedId,
    ...describeProfile(record.profile),
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}

/** A file name every OS accepts, from a name the household chose. */
function fileStem(name: string): string {
  const stem = name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+|-+$/g, '');
  return stem === '' ? 'tunnel' : stem.slice(0, 48);
}

function notFound(): DomainError {
  return new DomainError('not_found', 'not_found', 'No such tunnel profile');
}

function nameTaken(): DomainError {
  return new DomainError('conflict', 'tunnel_name_taken', 'A profile with this name already exists');
}
