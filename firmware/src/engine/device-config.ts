// The configuration of one interface as wg(8) sees it, and the one place that gives meaning to a UAPI `set`:
// applyDeviceChange() is pure, so the engine computes the whole new configuration first, then makes the runtime
// follow it. A change that cannot be applied therefore leaves the old configuration untouched.
import type { Endpoint } from '../io/endpoint.js';
import { canonicalPrefix, type IpPrefix } from '../net/ip.js';
import type { DeviceChange, DeviceSnapshot } from './device-change.js';

export interface PeerConfig {
  readonly publicKey: Uint8Array;
  readonly presharedKey: Uint8Array | null;
  readonly endpoint: Endpoint | null;
  readonly persistentKeepaliveInterval: number;
  readonly allowedIps: readonly IpPrefix[];
}

export interface DeviceConfig {
  readonly privateKey: Uint8Array | null;
  readonly listenPort: number;
  readonly fwmark: number;
  /** Keyed by the peer's public key in hex, in the order peers were added (the order `wg show` lists them). */
  readonly peers: ReadonlyMap<string, PeerConfig>;
}

export const EMPTY_DEVICE_CONFIG: DeviceConfig = { privateKey: null, listenPort: 0, fwmark: 0, peers: new Map() };

export const keyHex = (key: Uint8Array): string => Buffer.from(key).toString('hex');

const isZero = (key: Uint8Array): boolean => key.every((byte) => byte === 0);

const samePrefix = (a: IpPrefix, b: IpPrefix): boolean =>
  a.cidr === b.cidr && a.bytes.length === b.bytes.length && a.bytes.every((byte, i) => byte === b.bytes[i]);

/**
 * Returns the configuration after `change`, following wireguard-go's semantics: replace_peers first; a peer that
 * equals the device's own public key is ignored; update_only skips unknown peers; an allowed IP belongs to one peer
 * only, so adding it to a peer takes it from any other.
 * `publicKeyOf` derives the device's public key from its private key (X25519), injected to keep this file pure.
 */
export function applyDeviceChange(
  config: DeviceConfig,
  change: DeviceChange,
  publicKeyOf: (privateKey: Uint8Array) => Uint8Array,
): DeviceConfig {
  const privateKey =
    change.privateKey === undefined ? config.privateKey : isZero(change.privateKey) ? null : change.privateKey;
  const ownPublicHex = privateKey ? keyHex(publicKeyOf(privateKey)) : null;
  const peers = new Map(change.replacePeers ? [] : config.peers);
  if (ownPublicHex) {
    peers.delete(ownPublicHex);
  }

  for (const peerChange of change.peers) {
    const id = keyHex(peerChange.publicKey);
    const existing = peers.get(id);
    if (peerChange.remove) {
      peers.delete(id);
      continue;
    }
    if (id === ownPublicHex || (peerChange.updateOnly && !existing)) {
      continue;
    }
    let allowedIps = peerChange.replaceAllowedIps ? [] : [...(existing?.allowedIps ?? [])];
    for (const { prefix, remove } of peerChange.allowedIps) {
      const canonical = canonicalPrefix(prefix);
      allowedIps = allowedIps.filter((owned) => !samePrefix(owned, canonical));
      if (remove) {
        continue;
      }
      allowedIps.push(canonical);
      for (const [otherId, other] of peers) {
        if (otherId !== id && other.allowedIps.some((owned) => samePrefix(owned, canonical))) {
          peers.set(otherId, {
            ...other,
            allowedIps: other.allowedIps.filter((owned) => !samePrefix(owned, canonical)),
          });
        }
      }
    }
    const presharedKey =
      peerChange.presharedKey === undefined
        ? (existing?.presharedKey ?? null)
        : isZero(peerChange.presharedKey)
          ? null
          : peerChange.presharedKey;
    peers.set(id, {
      publicKey: peerChange.publicKey,
      presharedKey,
      endpoint: peerChange.endpoint ?? existing?.endpoint ?? null,
      persistentKeepaliveInterval: peerChange.persistentKeepaliveInterval ?? existing?.persistentKeepaliveInterval ?? 0,
      allowedIps,
    });
  }

  return {
    privateKey,
    listenPort: change.listenPort ?? config.listenPort,
    fwmark: change.fwmark ?? config.fwmark,
    peers,
  };
}

export interface PeerRuntimeFacts {
  readonly endpoint: Endpoint | null;
  readonly lastHandshakeUnixMs: number;
  readonly txBytes: bigint;
  readonly rxBytes: bigint;
}

/** The `get=1` view: configuration plus what only the running engine knows (roamed endpoint, counters). */
export function snapshotOf(
  config: DeviceConfig,
  runtime: (peerId: string) => PeerRuntimeFacts | undefined,
  listenPort = config.listenPort,
): DeviceSnapshot {
  return {
    privateKey: config.privateKey,
    listenPort,
    fwmark: config.fwmark,
    peers: [...config.peers].map(([id, peer]) => {
      const facts = runtime(id);
      return {
        publicKey: peer.publicKey,
        presharedKey: peer.presharedKey,
        endpoint: facts?.endpoint ?? peer.endpoint,
        lastHandshakeUnixMs: facts?.lastHandshakeUnixMs ?? 0,
        txBytes: facts?.txBytes ?? 0n,
        rxBytes: facts?.rxBytes ?? 0n,
        persistentKeepaliveInterval: peer.persistentKeepaliveInterval,
        allowedIps: peer.allowedIps,
      };
    }),
  };
}
