// How burrowd tells that the active upstream works: a handshake completed or bytes came back through the tunnel,
// and, so that a quiet household is no blind spot, a DNS query to the profile's resolver through the tunnel.
import dgram from 'node:dgram';
import { randomInt } from 'node:crypto';
import { type ResolvedEndpoints } from '../control/engine-config.js';
import { type PeerStatus } from './status.js';

export interface TunnelCounters {
  /** The newest completed handshake of any peer, ms since the epoch. */
  readonly handshakeAt: number | null;
  readonly rxBytes: number;
}

export function countersOf(peers: readonly PeerStatus[]): TunnelCounters {
  const handshakes = peers.flatMap((peer) => (peer.lastHandshake === null ? [] : [Date.parse(peer.lastHandshake)]));
  return {
    handshakeAt: handshakes.length === 0 ? null : Math.max(...handshakes),
    rxBytes: peers.reduce((sum, peer) => sum + peer.rxBytes, 0),
  };
}

/** Whether the tunnel answered between two readings: a newer handshake, or more bytes received. */
export function answeredBetween(before: TunnelCounters | null, after: TunnelCounters): boolean {
  if (before === null) {
    return after.handshakeAt !== null;
  }
  return (after.handshakeAt ?? 0) > (before.handshakeAt ?? 0) || after.rxBytes > before.rxBytes;
}

/**
 * Asks `resolver` for the root's name servers; true when any reply with our id comes back within `timeoutMs`.
 * The policy rule for the resolvers (burrowd's own queries to them go through the tunnel) makes this a round trip
 * through the tunnel; an answer of any kind, even a refusal, proves the path works.
 */
export function probeResolver(resolver: string, timeoutMs: number): Promise<boolean> {
  const id = randomInt(0, 0x10000);
  // Header: id, RD, one question; question: the root name, type NS (2), class IN (1).
  const query = Buffer.from([id >> 8, id & 0xff, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 1]);
  return new Promise((resolve) => {
    const socket = dgram.createSocket(resolver.includes(':') ? 'udp6' : 'udp4');
    const finish = (answered: boolean) => {
      clearTimeout(timer);
      socket.close();
      resolve(answered);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.on('error', () => finish(false));
    socket.on('message', (reply, from) => {
      if (from.address === resolver && reply.length >= 2 && reply.readUInt16BE(0) === id) {
        finish(true);
      }
    });
    socket.send(query, 53, resolver);
  });
}

/** Whether a freshly resolved endpoint differs from where the engine sends that peer's packets now. */
export function endpointsDiffer(resolved: ResolvedEndpoints, peers: readonly PeerStatus[]): boolean {
  const current = new Map(peers.map((peer) => [peer.publicKey, peer.endpoint]));
  return [...resolved.endpoints].some(([publicKey, endpoint]) => current.get(publicKey) !== endpoint.toString());
}
