// Inbound flow, in the order the functions below follow:
//   1. UDP batch: datagrams with their senders (io/datagrams.ts)
//   2. Classification: parse once by (type, length); anything malformed is dropped and counted
//   3. Handshake branch: handshakes.ts (MACs, cookies under load, Noise)
//   4. Data branch: receiver index → session → open in place (tag, then replay window)
//   5. Confirmation: the first data on a responder's `next` session makes it current
//   6. Roaming: the peer's endpoint follows the source of its latest authenticated packet
//   7. Cryptokey routing: the inner source address must be one of the peer's allowed IPs
//   8. TUN write: every accepted packet of the batch in one call, trimmed to its IP length (behind a zero
//      virtio header when the TUN has offloads: tun.c)
// Nothing a remote sends may throw out of here: each datagram is handled inside a guard.
import { type DatagramBatch } from '../io/datagrams.js';
import { PacketList } from '../io/packets.js';
import { BIND_BATCH_SIZE } from '../io/bind.js';
import { parseMessage, type TransportMessage } from '../protocol/messages.js';
import { type EngineContext } from './context.js';
import { type Handshakes } from './handshakes.js';
import { IPV4_SRC_OFFSET, IPV6_SRC_OFFSET, ipPacketInfo } from './ip-packet.js';
import { keepKeyFreshReceiving, type Outbound } from './outbound.js';
import { type Peer } from './peer.js';

export class Inbound {
  /** Grows once to the bind's batch: a GRO batch holds up to 64 datagrams per slot. */
  private tunWrites = new PacketList(BIND_BATCH_SIZE);
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
      this.tunWrites = new PacketList(batch.offsets.length);
    }
    const writes = this.tunWrites;
    writes.reset(batch.data);
    for (let i = 0; i < batch.count; i++) {
      try {
        this.onDatagram(batch, i);
      } catch (error) {
        this.context.drops.add('internal');
        this.context.log.warn(`dropped a datagram after an internal error: ${(error as Error).stack ?? String(error)}`);
      }
    }
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

  /** Steps 2–3, and 4 for transport messages. */
  private onDatagram(batch: DatagramBatch, index: number): void {
    const offset = batch.offsets[index]!;
    const datagram = batch.data.subarray(offset, offset + batch.lengths[index]!);
    const parsed = parseMessage(datagram);
    if (!parsed.ok) {
      this.context.drops.add('malformed');
      return;
    }
    const message = parsed.value;
    switch (message.kind) {
      case 'transport':
        this.onTransport(batch, index, message);
        return;
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

  /** Steps 4–8. */
  private onTransport(batch: DatagramBatch, index: number, message: TransportMessage): void {
    const { context } = this;
    const entry = context.indices.lookup(message.receiver);
    if (entry?.kind !== 'keypair') {
      context.drops.add('unknown-index');
      return;
    }
    const { peer, keypair } = entry;
    const now = context.clock.now();
    const opened = keypair.open(message.bytes, now);
    if (!opened.ok) {
      context.drops.add('invalid-data');
      return;
    }
    const plaintext = opened.value;

    // Roam first, so packets sent on confirmation below go to where the peer is now (wireguard-go's order).
    if (peer.endpoint === null || !batch.sourceIs(index, peer.endpoint)) {
      peer.endpoint = batch.source(index);
    }
    if (keypair === peer.next) {
      this.confirmNextSession(peer);
    }
    peer.rxBytes += message.bytes.length;
    keepKeyFreshReceiving(peer, now, this.sendInitiation);
    const timers = context.timers.get(peer);
    timers?.timersAnyAuthenticatedPacketTraversal();
    timers?.timersAnyAuthenticatedPacketReceived();
    if (plaintext.length === 0) {
      return; // a keepalive
    }
    timers?.timersDataReceived();
    this.acceptInnerPacket(batch.data, plaintext, peer);
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

  /** Steps 7–8: queue the packet for the TUN write if its source is the peer's to use. */
  private acceptInnerPacket(data: Uint8Array, plaintext: Uint8Array, peer: Peer): void {
    const info = ipPacketInfo(plaintext);
    if (info === null) {
      this.context.drops.add('malformed');
      return;
    }
    const start = plaintext.byteOffset - data.byteOffset;
    const owner =
      info.version === 4
        ? this.context.allowedIps.lookupV4(data, start + IPV4_SRC_OFFSET)
        : this.context.allowedIps.lookupV6(data, start + IPV6_SRC_OFFSET);
    if (owner !== peer) {
      this.context.drops.add('disallowed-source');
      return;
    }
    this.tunWrites.push(start, info.length);
  }
}
