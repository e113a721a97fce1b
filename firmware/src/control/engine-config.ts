// From a desired state's tunnel to what the engine is told over its UAPI socket: the whole configuration every
// time (replace_peers, replace_allowed_ips), so the engine ends up exactly as the state says whatever it held.
import { lookup } from 'node:dns/promises';
import { decodeKeyBase64 } from '../crypto/keys.js';
import { type DeviceChange } from '../engine/device-change.js';
import { Endpoint } from '../io/endpoint.js';
import { type IpPrefix, parseIpPrefix } from '../net/ip.js';
import { splitEndpoint, type TunnelState } from './desired-state.js';

/** Resolves a host name to one address; injectable so tests need no DNS. */
export type Resolver = (host: string) => Promise<string>;

export const systemResolver: Resolver = async (host) => (await lookup(host, { verbatim: true })).address;

export interface ResolvedEndpoints {
  /** Peer public key (base64) → where to send. */
  readonly endpoints: Map<string, Endpoint>;
  /** One line per endpoint that could not be resolved (the peer then waits to be contacted). */
  readonly problems: string[];
}

/** Resolves every peer endpoint; names are looked up by the router itself, never on behalf of the LAN. */
export async function resolveEndpoints(
  tunnel: Pick<TunnelState, 'peers'>,
  resolve: Resolver = systemResolver,
): Promise<ResolvedEndpoints> {
  const endpoints = new Map<string, Endpoint>();
  const problems: string[] = [];
  await Promise.all(
    tunnel.peers.map(async (peer) => {
      const split = splitEndpoint(peer.endpoint);
      if ('problem' in split) {
        problems.push(`${peer.endpoint}: ${split.problem}`);
        return;
      }
      try {
        const address = split.literal ? split.host : await resolve(split.host);
        endpoints.set(peer.publicKey, Endpoint.of(address, split.port));
      } catch (error) {
        problems.push(`cannot resolve ${split.host}: ${(error as Error).message}`);
      }
    }),
  );
  return { endpoints, problems };
}

/** A key of a validated state, as bytes. */
export function keyBytes(base64: string): Uint8Array {
  const decoded = decodeKeyBase64(base64);
  if (!decoded.ok) {
    throw new Error(`invalid key in a validated state: ${decoded.reason}`);
  }
  return decoded.value;
}

/** The complete engine configuration for `tunnel`, or the removal of everything when there is no tunnel. */
export function engineChange(tunnel: TunnelState | null, resolved: ResolvedEndpoints | null): DeviceChange {
  if (tunnel === null) {
    return { privateKey: new Uint8Array(32), replacePeers: true, peers: [] };
  }
  return {
    privateKey: keyBytes(tunnel.privateKey),
    listenPort: tunnel.listenPort ?? 0,
    fwmark: tunnel.fwmark,
    replacePeers: true,
    peers: tunnel.peers.map((peer) => {
      const endpoint = resolved?.endpoints.get(peer.publicKey);
      return {
        publicKey: keyBytes(peer.publicKey),
        remove: false,
        updateOnly: false,
        presharedKey: peer.presharedKey === undefined ? new Uint8Array(32) : keyBytes(peer.presharedKey),
        ...(endpoint ? { endpoint } : {}),
        persistentKeepaliveInterval: peer.persistentKeepalive ?? 0,
        replaceAllowedIps: true,
        allowedIps: allowedIpChanges(peer.allowedIps),
      };
    }),
  };
}

/** A validated state's allowed IPs as the engine's additions. */
export function allowedIpChanges(texts: readonly string[]): { prefix: IpPrefix; remove: false }[] {
  return texts.map((text) => {
    const prefix = parseIpPrefix(text);
    if (prefix === null) {
      throw new Error(`invalid allowed IP in a validated state: ${text}`);
    }
    return { prefix, remove: false };
  });
}
