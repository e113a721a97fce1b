// Two namespaces joined by a veth "underlay", each running one WireGuard implementation, peered with
// each other: the topology every interop test and the benchmark start from.
//
//   ns "local"  underlay0 192.0.2.1/24 fd00:b0::1/64 ── veth ── underlay0 192.0.2.2/24 fd00:b0::2/64  ns "remote"
//   tunnel      198.51.100.1/24 fd99::1/64          ═ WireGuard ═         198.51.100.2/24 fd99::2/64
//
// Documentation and unique-local ranges only, and only inside the namespaces.
import { type NetnsLab, type UnderlayAddresses, type VethLink } from './netns.js';
import {
  addPeer,
  formatEndpoint,
  startWgPeer,
  type TunnelAddresses,
  type WgImplementation,
  type WgPeer,
  withoutPrefix,
} from './wg-peer.js';

export const LISTEN_PORT = 51820;
export const UNDERLAY_DEVICE = 'underlay0';
export const LOCAL_UNDERLAY: UnderlayAddresses = { ipv4: '192.0.2.1/24', ipv6: 'fd00:b0::1/64' };
export const REMOTE_UNDERLAY: UnderlayAddresses = { ipv4: '192.0.2.2/24', ipv6: 'fd00:b0::2/64' };
export const LOCAL_TUNNEL: TunnelAddresses = { ipv4: '198.51.100.1/24', ipv6: 'fd99::1/64' };
export const REMOTE_TUNNEL: TunnelAddresses = { ipv4: '198.51.100.2/24', ipv6: 'fd99::2/64' };

export type Side = 'local' | 'remote';

export interface TunnelPairOptions {
  /** The implementation under test. */
  readonly local: WgImplementation;
  /** The reference peer. */
  readonly remote: WgImplementation;
  /**
   * Which sides are configured with the other's endpoint. A side without one cannot initiate a
   * handshake; it learns the endpoint from the first authenticated packet it receives.
   */
  readonly endpointsKnownBy?: 'both' | Side;
  /** The address family of the configured endpoints. */
  readonly underlay?: 'ipv4' | 'ipv6';
  /** Overrides the public key `local` is told for `remote` (for wrong-key cases). */
  readonly remoteKeyAsSeenByLocal?: string;
}

export interface TunnelPair {
  readonly local: WgPeer;
  readonly remote: WgPeer;
  readonly link: VethLink;
}

export async function createTunnelPair(lab: NetnsLab, options: TunnelPairOptions): Promise<TunnelPair> {
  const localNs = await lab.addNamespace();
  const remoteNs = await lab.addNamespace();
  const link = await lab.connect(
    { ns: localNs, device: UNDERLAY_DEVICE, addresses: LOCAL_UNDERLAY },
    { ns: remoteNs, device: UNDERLAY_DEVICE, addresses: REMOTE_UNDERLAY },
  );
  const local = await startWgPeer(lab, {
    implementation: options.local,
    ns: localNs,
    tunnel: LOCAL_TUNNEL,
    listenPort: LISTEN_PORT,
  });
  const remote = await startWgPeer(lab, {
    implementation: options.remote,
    ns: remoteNs,
    tunnel: REMOTE_TUNNEL,
    listenPort: LISTEN_PORT,
  });

  const known = options.endpointsKnownBy ?? 'both';
  const family = options.underlay ?? 'ipv4';
  const endpointOf = (underlay: UnderlayAddresses): string =>
    formatEndpoint(withoutPrefix(underlay[family]), LISTEN_PORT);
  await addPeer(
    local,
    { ...remote, publicKey: options.remoteKeyAsSeenByLocal ?? remote.publicKey },
    known === 'remote' ? undefined : endpointOf(REMOTE_UNDERLAY),
  );
  await addPeer(remote, local, known === 'local' ? undefined : endpointOf(LOCAL_UNDERLAY));
  return { local, remote, link };
}
