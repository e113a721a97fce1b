// Inbound flow, in the order the functions below follow:
//   1. UDP batch: datagrams with their senders (io/datagrams.ts)
//   2. Classification: transport messages by their type and size alone; anything else is parsed once by (type,
//      length), and anything malformed is dropped and counted
//   3. Handshake branch: handshakes.ts (MACs, cookies under load, Noise)
//   4. Data branch: receiver index → session → the checks before the cipher; consecutive messages of one session
//      form a run, opened in place in one native call (crypto/transport-aead.ts), then each through the replay window
//   5. Confirmation: the first data on a responder's `next` session makes it current
//   6. Roaming: the peer's endpoint follows the source of its latest authenticated packet
//   7. Cryptokey routing: the inner source address must be one of the peer's allowed IPs
//   8. TUN write: every accepted packet of the batch in one call, trimmed to its IP length (behind a zero
//      virtio header when the TUN has offloads: tun.c)
// A run ends before any other message, so everything is handled in the order it arrived.
// Nothing a remote sends may throw out of here: each datagram is handled inside a guard.
import { type DatagramBatch } from '../io/datagrams.js';
import { PacketList } from '../io/packets.js';
import { BIND_BATCH_SIZE } from '../io/bind.js';
import { type Keypair } from '../protocol/keypair.js';
import {
  isTransportAt,
  parseMessage,
  TRANSPORT_HEADER_LENGTH,
  TRANSPORT_OVERHEAD,
  transportReceiverAt,
} from '../protocol/messages.js';
import { type EngineContext } from './context.js';
import { type Handshakes } from './handshakes.js';
import { IPV4_SRC_OFFSET, IPV6_SRC_OFFSET, ipPacketLengthAt } from './ip-packet.js';
import { keepKeyFreshReceiving, type Outbound } from './outbound.js';
import { type Peer } from './peer.js';

export class Inbound {
  /** Grows once to the bind's batch: a GRO batch holds up to 64 datagrams per slot. */
  private tunWrites = new PacketList(BIND_BATCH_SIZE);
  /** Step 4's run: messages of one keypair waiting for the cipher, with their datagrams' indices. */
  private run = new PacketList(BIND_BATCH_SIZE);
  private runDatagrams = new Uint32Array(BIND_BATCH_SIZE);
  private runResults = new Uint8Array(BIND_BATCH_SIZE);
  private runPeer: Peer | undefined;
  private runKeypair: Keypair | undefined;
  /** Made once, not per packet: the callback keepKeyFreshReceiving may use. */
  private readonly sendInitiation = (peer: Peer, isRetry: boolean): void =>
    this.handshakes.sendInitiation(peer, isRetry);

  constructor(
    private readonly context: EngineContext,
    private readonly handshakes: Handshakes,
    private readonly outbound: Outbound,
  ) {}

  /** Steps 1–8 for one UDP batch. */
  onDatagramBatch(batch: DatagramBatch): void {
    if (this.tunWrites.capacity < batch.count) {
      const capacity = batch.offsets.length;
      this.tunWrites = new PacketList(capacity);
      this.run = new PacketList(capacity);
      this.runDatagrams = new Uint32Array(capacity);
      this.runResults = new Uint8Array(capacity);
    }
    const writes = this.tunWrites;
    writes.reset(batch.data);
    this.run.reset(batch.data);
    for (let i = 0; i < batch.count; i++) {
      try {
        this.onDatagram(batch, i);
      } catch (error) {
        this.dropAfterError(error);
      }
    }
    this.openRun(batch);
    if (writes.count > 0) {
      try {
        const written = this.context.tun.writePackets(writes);
        if (written < writes.count) {
          this.context.drops.add('tun-write-failed', writes.count - written);
        }
      } catch (error) {
        this.context.drops.add('tun-write-failed', writes.count);
        this.context.log.debug(`TUN write failed: ${(error as Error).message}`);
      }
    }
  }

  private dropAfterError(error: unknown): void {
    this.context.drops.add('internal');
    this.context.log.warn(`dropped a datagram after an internal error: ${(error as Error).stack ?? String(error)}`);
  }

  /** Steps 2–3, and the start of 4 for transport messages. */
  private onDatagram(batch: DatagramBatch, index: number): void {
    const offset = batch.offsets[index]!;
    const length = batch.lengths[index]!;
    if (isTransportAt(batch.data, offset, length)) {
      this.queueTransport(batch, index, offset, length);
      return;
    }
    this.openRun(batch); // keep arrival order around handshakes
    const parsed = parseMessage(batch.data.subarray(offset, offset + length));
    if (!parsed.ok) {
      this.context.drops.add('malformed');
      return;
    }
    const message = parsed.value;
    switch (message.kind) {
      case 'transport':
        return; // isTransportAt took every well-formed one
      case 'initiation':
        this.handshakes.handleInitiation(message, batch.source(index));
        return;
      case 'response':
        this.handshakes.handleResponse(message, batch.source(index));
        return;
      case 'cookie-reply':
        this.handshakes.handleCookieReply(message);
        return;
    }
  }

  /** Step 4 before the cipher: the session by receiver index, its checks, then into the run. */
  private queueTransport(batch: DatagramBatch, index: number, offset: number, length: number): void {
    const { context } = this;
    const entry = context.indices.lookup(transportReceiverAt(batch.data, offset));
    if (entry?.kind !== 'keypair') {
      context.drops.add('unknown-index');
      return;
    }
    if (entry.keypair !== this.runKeypair) {
      this.openRun(batch);
      this.runPeer = entry.peer;
      this.runKeypair = entry.keypair;
    }
    if (entry.keypair.checkOpenable(batch.data, offset, length, context.clock.now()) !== undefined) {
      context.drops.add('invalid-data');
      return;
    }
    this.runDatagrams[this.run.count] = index;
    this.run.push(offset, length);
  }

  /** Step 4's cipher and replay window for the run, then steps 5–7 for each message that passed. */
  private openRun(batch: DatagramBatch): void {
    const { run, runPeer: peer, runKeypair: keypair } = this;
    this.runPeer = undefined;
    this.runKeypair = undefined;
    if (run.count === 0 || peer === undefined || keypair === undefined) {
      return;
    }
    try {
      keypair.openPrepared(run, this.runResults);
    } catch (error) {
      this.runResults.fill(0, 0, run.count);
      this.context.log.warn(`could not open a batch: ${(error as Error).stack ?? String(error)}`);
    }
    try {
      const now = this.context.clock.now();
      for (let k = 0; k < run.count; k++) {
        const offset = run.offsets[k]!;
        if (this.runResults[k] !== 1 || !keypair.acceptCounter(batch.data, offset)) {
          this.context.drops.add('invalid-data');
          continue;
        }
        try {
          this.onAuthentic(batch, this.runDatagrams[k]!, peer, keypair, offset, run.lengths[k]!, now);
        } catch (error) {
          this.dropAfterError(error);
        }
      }
    } finally {
      run.reset(batch.data);
    }
  }

  /** Steps 5–7 for one authentic transport message at `batch.data[offset]`, `length` bytes. */
  private onAuthentic(
    batch: DatagramBatch,
    index: number,
    peer: Peer,
    keypair: Keypair,
    offset: number,
    length: number,
    now: number,
  ): void {
    // Roam first, so packets sent on confirmation below go to where the peer is now (wireguard-go's order).
    if (peer.endpoint === null || !batch.sourceIs(index, peer.endpoint)) {
      peer.endpoint = batch.source(index);
    }
    if (keypair === peer.next) {
      this.confirmNextSession(peer);
    }
    peer.rxBytes += length;
    keepKeyFreshReceiving(peer, now, this.sendInitiation);
    const timers = this.context.timers.get(peer);
    timers?.timersAnyAuthenticatedPacketTraversal();
    timers?.timersAnyAuthenticatedPacketReceived();
    const plaintextLength = length - TRANSPORT_OVERHEAD;
    if (plaintextLength === 0) {
      return; // a keepalive
    }
    timers?.timersDataReceived();
    this.acceptInnerPacket(batch.data, offset + TRANSPORT_HEADER_LENGTH, plaintextLength, peer);
  }

  /**
   * Step 5: the initiator used the session we derived as responder, so it becomes the one we send with. For the
   * responder this completes the handshake (as in wireguard-go and the kernel): it records the handshake time that
   * `wg show` reports and stops retransmitting any initiation of its own.
   */
  private confirmNextSession(peer: Peer): void {
    this.handshakes.dropKeypair(peer.previous);
    peer.previous = peer.current;
    peer.current = peer.next;
    peer.next = null;
    // For the responder, this is when the handshake is complete (wg show's "latest handshake").
    this.context.timers.get(peer)?.timersHandshakeComplete(this.context.clock.wallTime());
    if (peer.staged.length > 0) {
      this.outbound.sendStaged(peer);
    }
  }

  /** Step 7: queue the plaintext at `data[start]` for the TUN write if its source is the peer's to use. */
  private acceptInnerPacket(data: Uint8Array, start: number, available: number, peer: Peer): void {
    const length = ipPacketLengthAt(data, start, available);
    if (length < 0) {
      this.context.drops.add('malformed');
      return;
    }
    const owner =
      data[start]! >> 4 === 4
        ? this.context.allowedIps.lookupV4(data, start + IPV4_SRC_OFFSET)
        : this.context.allowedIps.lookupV6(data, start + IPV6_SRC_OFFSET);
    if (owner !== peer) {
      this.context.drops.add('disallowed-source');
      return;
    }
    this.tunWrites.push(start, length);
  }
}
