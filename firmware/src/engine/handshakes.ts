// The handshake branch of the engine: sending initiations, and answering what arrives.
//
// Inbound handshake flow (one datagram):
//   1. MAC1 must be valid; under load MAC2 too, else answer with a cookie reply and drop
//   2. under load, handshake messages are rate-limited per source address
//   3. initiation → consume (static key must be a configured peer, timestamp newer than the last)
//                   → respond → derive the `next` session (confirmed by the initiator's first data)
//      response   → the index must be our pending handshake → consume → derive the `current` session
//                   → send staged packets, or a keepalive so the responder can confirm the session
//      cookie reply → store the cookie for our next handshake message to that peer
import { type Endpoint } from '../io/endpoint.js';
import { type Packets } from '../io/packets.js';
import { REKEY_TIMEOUT_MS } from '../protocol/constants.js';
import { type CookieReplyMessage, type InitiationMessage, type ResponseMessage } from '../protocol/messages.js';
import { type Keypair } from '../protocol/keypair.js';
import {
  consumeInitiation,
  consumeResponse,
  createInitiation,
  createResponse,
  deriveKeypair,
} from '../protocol/noise.js';
import { tai64nNow } from '../protocol/tai64n.js';
import { sendToPeer, type EngineContext } from './context.js';
import { type Peer } from './peer.js';

/** One datagram as a batch of one, without copying it. */
function singlePacket(bytes: Uint8Array): Packets {
  return { data: bytes, offsets: Uint32Array.of(0), lengths: Uint32Array.of(bytes.length), count: 1 };
}

/** The bytes cookies are bound to: the sender's address followed by its port, big-endian. */
function cookieSource(endpoint: Endpoint): Uint8Array {
  const source = new Uint8Array(endpoint.bytes.length + 2);
  source.set(endpoint.bytes);
  source[endpoint.bytes.length] = endpoint.port >> 8;
  source[endpoint.bytes.length + 1] = endpoint.port & 0xff;
  return source;
}

export class Handshakes {
  constructor(
    private readonly context: EngineContext,
    /** Sends a peer's staged packets, or a keepalive when none are staged (outbound.ts). */
    private readonly sendKeepalive: (peer: Peer) => void,
  ) {}

  /** Starts a handshake with `peer`, at most once per REKEY_TIMEOUT. */
  sendInitiation(peer: Peer, isRetry: boolean): void {
    const { context } = this;
    if (!isRetry) {
      peer.handshakeAttempts = 0;
    }
    const now = context.clock.now();
    // No endpoint yet still counts as an attempt (sendToPeer drops it), so retries and the give-up run as usual.
    if (context.identity === null || now - peer.lastInitiationSentAt < REKEY_TIMEOUT_MS) {
      return;
    }
    peer.lastInitiationSentAt = now;
    this.forgetHandshakeIndex(peer);
    const localIndex = context.indices.insert({ kind: 'handshake', peer });
    const initiation = createInitiation(peer.handshake, { localIndex, timestamp: tai64nNow(context.clock) });
    if (!initiation.ok) {
      context.indices.delete(localIndex);
      context.log.warn(`${peer.label}: cannot create a handshake initiation: ${initiation.error}`);
      return;
    }
    peer.cookieGenerator.addMacs(initiation.value.bytes, now);
    context.log.debug(`${peer.label}: sending handshake initiation`);
    sendToPeer(context, peer, singlePacket(initiation.value.bytes));
    const timers = this.timersOf(peer);
    timers.timersAnyAuthenticatedPacketTraversal();
    timers.timersAnyAuthenticatedPacketSent();
    timers.timersHandshakeInitiated();
  }

  /**
   * Checks the MACs of a handshake message; false means drop it. Under load a message without a valid MAC2 is
   * answered with a cookie reply, and an initiation beyond its source's rate is dropped.
   */
  admit(message: InitiationMessage | ResponseMessage, source: Endpoint): boolean {
    const { context } = this;
    const checker = context.cookieChecker;
    if (checker === null) {
      context.drops.add('invalid-handshake');
      return false;
    }
    const now = context.clock.now();
    const underLoad = context.load.record(now);
    const sourceBytes = cookieSource(source);
    const verdict = checker.verify(message.bytes, sourceBytes, underLoad, now);
    if (verdict === 'invalid-mac1') {
      context.drops.add('invalid-mac');
      return false;
    }
    if (verdict === 'needs-cookie') {
      const reply = checker.createReply(message.bytes, message.sender, sourceBytes, now);
      try {
        context.bind.send(singlePacket(reply.bytes), source);
      } catch {
        // A cookie reply that cannot go out changes nothing: the sender retries.
      }
      context.drops.add('cookie-sent');
      return false;
    }
    if (underLoad && !context.rateLimiter.allow(source.bytes, now)) {
      context.drops.add('rate-limited');
      return false;
    }
    return true;
  }

  handleInitiation(message: InitiationMessage, source: Endpoint): void {
    const { context } = this;
    if (context.identity === null || !this.admit(message, source)) {
      return;
    }
    const now = context.clock.now();
    const consumed = consumeInitiation(
      context.identity,
      message,
      (key) => context.peers.get(Buffer.from(key).toString('hex')),
      { now },
    );
    if (!consumed.ok) {
      context.drops.add('invalid-handshake');
      return;
    }
    const peer = consumed.value;
    peer.endpoint = source;
    peer.rxBytes += message.bytes.length;
    this.forgetHandshakeIndex(peer);
    const localIndex = context.indices.insert({ kind: 'handshake', peer });
    const response = createResponse(peer.handshake, { localIndex });
    const keypair = response.ok ? deriveKeypair(peer.handshake, { now }) : response;
    if (!response.ok || !keypair.ok) {
      context.indices.delete(localIndex);
      context.drops.add('invalid-handshake');
      return;
    }
    this.beginResponderSession(peer, keypair.value);
    peer.cookieGenerator.addMacs(response.value.bytes, now);
    context.log.debug(`${peer.label}: received handshake initiation, sending response`);
    sendToPeer(context, peer, singlePacket(response.value.bytes));
    const timers = this.timersOf(peer);
    timers.timersSessionDerived();
    timers.timersAnyAuthenticatedPacketTraversal();
    timers.timersAnyAuthenticatedPacketReceived();
    timers.timersAnyAuthenticatedPacketSent();
  }

  handleResponse(message: ResponseMessage, source: Endpoint): void {
    const { context } = this;
    if (!this.admit(message, source)) {
      return;
    }
    const entry = context.indices.lookup(message.receiver);
    if (entry?.kind !== 'handshake') {
      context.drops.add('unknown-index');
      return;
    }
    const { peer } = entry;
    const now = context.clock.now();
    const consumed = consumeResponse(peer.handshake, message);
    const keypair = consumed.ok ? deriveKeypair(peer.handshake, { now }) : consumed;
    if (!keypair.ok) {
      context.drops.add('invalid-handshake');
      return;
    }
    peer.endpoint = source;
    peer.rxBytes += message.bytes.length;
    this.beginInitiatorSession(peer, keypair.value);
    context.log.debug(`${peer.label}: received handshake response, session established`);
    const timers = this.timersOf(peer);
    timers.timersSessionDerived();
    timers.timersHandshakeComplete(context.clock.wallTime());
    timers.timersAnyAuthenticatedPacketTraversal();
    timers.timersAnyAuthenticatedPacketReceived();
    this.sendKeepalive(peer);
  }

  handleCookieReply(message: CookieReplyMessage): void {
    const entry = this.context.indices.lookup(message.receiver);
    if (entry === undefined) {
      this.context.drops.add('unknown-index');
      return;
    }
    if (!entry.peer.cookieGenerator.consumeReply(message, this.context.clock.now()).ok) {
      this.context.drops.add('invalid-mac');
    }
  }

  /** The initiator's new session becomes current at once; the old current stays as previous for stragglers. */
  private beginInitiatorSession(peer: Peer, keypair: Keypair): void {
    const { indices } = this.context;
    indices.update(keypair.localIndex, { kind: 'keypair', peer, keypair });
    if (peer.next !== null) {
      this.dropKeypair(peer.previous);
      this.dropKeypair(peer.current);
      peer.previous = peer.next;
      peer.next = null;
    } else {
      this.dropKeypair(peer.previous);
      peer.previous = peer.current;
    }
    peer.current = keypair;
  }

  /** The responder's session waits in `next` until the initiator proves it has it by sending data with it. */
  private beginResponderSession(peer: Peer, keypair: Keypair): void {
    const { indices } = this.context;
    indices.update(keypair.localIndex, { kind: 'keypair', peer, keypair });
    this.dropKeypair(peer.next);
    this.dropKeypair(peer.previous);
    peer.next = keypair;
    peer.previous = null;
  }

  /** Removes a keypair from the index table and wipes its keys. */
  dropKeypair(keypair: Keypair | null): void {
    if (keypair !== null) {
      this.context.indices.delete(keypair.localIndex);
      keypair.clear();
    }
  }

  /** Frees the index of an abandoned handshake (one that never became a session). */
  forgetHandshakeIndex(peer: Peer): void {
    const index = peer.handshake.localIndex;
    if (index !== 0 && this.context.indices.lookup(index)?.kind === 'handshake') {
      this.context.indices.delete(index);
    }
  }

  private timersOf(peer: Peer) {
    const timers = this.context.timers.get(peer);
    if (timers === undefined) {
      throw new Error(`${peer.label} has no timers`);
    }
    return timers;
  }
}
