// What the pipelines share: the device's I/O, its keys, its peers and lookup tables, and its counters.
// device.ts owns and mutates it; outbound.ts, inbound.ts and handshakes.ts read and act through it.
import { type Bind } from '../io/bind.js';
import { type Clock } from '../io/clock.js';
import { type Endpoint } from '../io/endpoint.js';
import { type Packets } from '../io/packets.js';
import { type Tun } from '../io/tun.js';
import { type CookieChecker } from '../protocol/cookie.js';
import { type LocalIdentity } from '../protocol/handshake.js';
import { type Keypair } from '../protocol/keypair.js';
import { type HandshakeRateLimiter } from '../protocol/ratelimiter.js';
import { type AllowedIps } from './allowed-ips.js';
import { type IndexTable } from './index-table.js';
import { type Peer } from './peer.js';
import { type PeerTimers } from './timers.js';

export interface EngineLog {
  info(message: string): void;
  warn(message: string): void;
  debug(message: string): void;
}

/** What a receiver index points at: a handshake in progress, or a session. */
export type IndexEntry = { kind: 'handshake'; peer: Peer } | { kind: 'keypair'; peer: Peer; keypair: Keypair };

/** Why packets were dropped, counted per reason so an attack or a misconfiguration shows in the status. */
export type DropReason =
  | 'malformed' // wrong size, unknown type, not an IP packet inside
  | 'invalid-mac'
  | 'invalid-handshake' // bad AEAD, unknown peer, stale timestamp, flood, wrong state
  | 'cookie-sent' // under load without a valid MAC2: answered with a cookie reply
  | 'rate-limited'
  | 'unknown-index'
  | 'invalid-data' // bad tag, replayed or too old counter, expired session
  | 'disallowed-source' // decrypted packet whose source address is not in the peer's allowed IPs
  | 'no-route' // outbound packet to an address no peer is allowed
  | 'no-endpoint'
  | 'no-session' // staged packets dropped after the handshake gave up or the keys were forgotten
  | 'staged-overflow' // more packets waited for a session than a peer holds
  | 'send-failed'
  | 'tun-write-failed'
  | 'internal';

export class DropCounters {
  private readonly counts = new Map<DropReason, number>();

  add(reason: DropReason, packets = 1): void {
    this.counts.set(reason, (this.counts.get(reason) ?? 0) + packets);
  }

  get(reason: DropReason): number {
    return this.counts.get(reason) ?? 0;
  }

  toJSON(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }
}

/**
 * "Under load" as wireguard-go decides it: once handshake messages arrive faster than we would want to do
 * Diffie-Hellman for them, demand cookies (MAC2) and rate-limit by source for the next second.
 */
export class LoadMeter {
  private windowStart = Number.NEGATIVE_INFINITY;
  private inWindow = 0;
  private underLoadUntil = Number.NEGATIVE_INFINITY;

  constructor(private readonly handshakesPerSecond: number) {}

  /** Counts one handshake message at `now` and says whether we are under load. */
  record(now: number): boolean {
    if (now - this.windowStart >= 1000) {
      this.windowStart = now;
      this.inWindow = 0;
    }
    this.inWindow++;
    if (this.inWindow > this.handshakesPerSecond) {
      this.underLoadUntil = now + 1000;
    }
    return now < this.underLoadUntil;
  }
}

export interface EngineContext {
  readonly clock: Clock;
  readonly tun: Tun;
  readonly bind: Bind;
  readonly log: EngineLog;
  /** Null while the interface has no private key: no handshakes then. */
  identity: LocalIdentity | null;
  cookieChecker: CookieChecker | null;
  readonly peers: Map<string, Peer>;
  readonly timers: Map<Peer, PeerTimers>;
  readonly allowedIps: AllowedIps<Peer>;
  readonly indices: IndexTable<IndexEntry>;
  readonly rateLimiter: HandshakeRateLimiter;
  readonly load: LoadMeter;
  readonly drops: DropCounters;
}

/** Sends datagrams to a peer's endpoint, counting what went; a failed send is a drop, never a throw. */
export function sendToPeer(
  context: EngineContext,
  peer: Peer,
  packets: Packets,
  endpoint: Endpoint | null = peer.endpoint,
): boolean {
  if (endpoint === null) {
    context.drops.add('no-endpoint', packets.count);
    return false;
  }
  try {
    const sent = context.bind.send(packets, endpoint);
    for (let i = 0; i < sent; i++) {
      peer.txBytes += packets.lengths[i] ?? 0;
    }
    if (sent < packets.count) {
      context.drops.add('send-failed', packets.count - sent);
    }
    return sent > 0;
  } catch (error) {
    context.drops.add('send-failed', packets.count);
    context.log.debug(`${peer.label}: send to ${endpoint.toString()} failed: ${(error as Error).message}`);
    return false;
  }
}
