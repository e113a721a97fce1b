// One remote WireGuard peer: its handshake state, its three keypair slots, the packets waiting for a session,
// the endpoint it was last heard from, and its counters. The pipelines (outbound.ts, inbound.ts, handshakes.ts)
// drive it; timers.ts keeps its sessions fresh.
//
// Keypair slots, as in wireguard-go:
//   previous  the session just replaced, still accepted inbound until it expires (packets in flight)
//   current   the session we send with
//   next      a session we derived as responder, unconfirmed until the initiator's first data packet uses it
import { shortKey } from '../crypto/keys.js';
import { type Endpoint } from '../io/endpoint.js';
import { CookieGenerator } from '../protocol/cookie.js';
import { Handshake, type LocalIdentity } from '../protocol/handshake.js';
import { type Keypair } from '../protocol/keypair.js';

/** Packets a peer holds while it has no session (wireguard-go's QueueStagedSize); the oldest go first. */
export const MAX_STAGED_PACKETS = 128;

export class Peer {
  readonly id: string;
  /** How logs name the peer: `peer(abcd…wxyz)`, never a whole key. */
  readonly label: string;
  readonly handshake: Handshake;
  readonly cookieGenerator: CookieGenerator;

  endpoint: Endpoint | null = null;
  persistentKeepaliveInterval = 0;

  previous: Keypair | null = null;
  current: Keypair | null = null;
  next: Keypair | null = null;

  /** Copies of IP packets waiting for a session, oldest first. */
  readonly staged: Uint8Array[] = [];

  rxBytes = 0;
  txBytes = 0;
  /** Wall-clock ms of the last completed handshake; 0 when never. */
  lastHandshakeUnixMs = 0;
  /** Monotonic ms when we last sent an initiation (REKEY_TIMEOUT spaces them). */
  lastInitiationSentAt = Number.NEGATIVE_INFINITY;
  handshakeAttempts = 0;
  /** Set once the current session is near REJECT_AFTER_TIME and we asked for a new one on receive. */
  sentLastMinuteHandshake = false;
  /** Data arrived while the keepalive timer was already pending: send another keepalive after it. */
  needAnotherKeepalive = false;

  constructor(
    readonly publicKey: Uint8Array,
    local: LocalIdentity,
    presharedKey: Uint8Array | null,
  ) {
    this.id = Buffer.from(publicKey).toString('hex');
    this.label = `peer(${shortKey(publicKey)})`;
    this.handshake = new Handshake(local, publicKey, presharedKey);
    this.cookieGenerator = new CookieGenerator(publicKey);
  }

  /** Holds a copy of `packet` until a session exists; returns false when the oldest had to go to make room. */
  stage(packet: Uint8Array): boolean {
    const full = this.staged.length >= MAX_STAGED_PACKETS;
    if (full) {
      this.staged.shift();
    }
    this.staged.push(packet.slice());
    return !full;
  }

  /** The session to send with, if it may still be used at `now`. */
  sendableKeypair(now: number): Keypair | null {
    const keypair = this.current;
    return keypair !== null && !keypair.isExpired(now) ? keypair : null;
  }

  /** Every live keypair, for teardown. */
  keypairs(): Keypair[] {
    return [this.previous, this.current, this.next].filter((keypair): keypair is Keypair => keypair !== null);
  }
}
