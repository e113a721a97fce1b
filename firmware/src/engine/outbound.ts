// Outbound flow, in the order the functions below follow:
//   1. TUN batch: IP packets with 16 bytes of headroom and 32 of tailroom each (io/tun.ts); with TUN offloads
//      the kernel's TCP super-packets were already split into wire-sized segments (io/tso-split.ts)
//   2. Routing: the destination address picks the peer through the allowed-IPs trie
//   3. Staging: a peer without a usable session keeps the packet and starts a handshake
//   4. Nonce assignment: the keypair takes a counter and writes the header into the headroom, padding behind
//   5. Encryption: each peer's messages sealed in place in one native call (crypto/transport-aead.ts)
//   6. Transmission: one batched send per peer, pointing into the TUN batch itself
//   7. Timers: data sent, any authenticated packet sent; rekey when the session is old
import { type PacketBatch, PacketList } from '../io/packets.js';
import { TUN_BATCH_SIZE } from '../io/tun.js';
import {
  REKEY_AFTER_MESSAGES,
  REKEY_AFTER_TIME_MS,
  REJECT_AFTER_TIME_MS,
  KEEPALIVE_TIMEOUT_MS,
  REKEY_TIMEOUT_MS,
} from '../protocol/constants.js';
import { transportMessageLength, TRANSPORT_HEADER_LENGTH } from '../protocol/messages.js';
import { sendToPeer, type EngineContext } from './context.js';
import { IPV4_DST_OFFSET, IPV6_DST_OFFSET, ipPacketLengthAt } from './ip-packet.js';
import { type Peer } from './peer.js';
import { type Keypair } from '../protocol/keypair.js';

const REKEY_AFTER_MESSAGES_NUMBER = Number(REKEY_AFTER_MESSAGES);

/** A peer's messages in the current TUN batch and the keypair that numbered them (and must seal them). */
interface SendList {
  readonly list: PacketList;
  keypair: Keypair;
}

export class Outbound {
  /** Per-peer lists of messages inside the current TUN batch, reused across batches, with the keypair they use. */
  private readonly sendLists = new Map<Peer, SendList>();
  private readonly needsHandshake = new Set<Peer>();

  constructor(
    private readonly context: EngineContext,
    private readonly sendInitiation: (peer: Peer, isRetry: boolean) => void,
  ) {}

  /**
   * Steps 1–7 for one TUN batch. Whatever happens, every list is empty afterwards: a message numbered but not
   * sealed is dropped, never sent or sealed again later (its counter is spent, and a second seal of the same
   * bytes with the same nonce would undo the first).
   */
  onTunBatch(batch: PacketBatch): void {
    try {
      this.sealBatch(batch);
      for (const [peer, entry] of this.sendLists) {
        this.sealAndTransmit(peer, entry);
      }
      for (const peer of this.needsHandshake) {
        this.sendStaged(peer);
      }
    } finally {
      for (const entry of this.sendLists.values()) {
        entry.list.reset();
      }
      this.needsHandshake.clear();
    }
  }

  /** Steps 1–4: each packet routed, then staged or numbered into its peer's list. */
  private sealBatch(batch: PacketBatch): void {
    const { context } = this;
    const now = context.clock.now();
    const mtu = context.tun.mtu;
    const { data } = batch;
    for (let i = 0; i < batch.count; i++) {
      const offset = batch.offsets[i]!;
      const length = batch.lengths[i]!;
      const peer = this.route(data, offset, length);
      if (peer === undefined) {
        continue;
      }
      const keypair = peer.sendableKeypair(now);
      if (keypair === null || peer.staged.length > 0) {
        this.stage(peer, data.subarray(offset, offset + length));
        this.needsHandshake.add(peer);
        continue;
      }
      const start = offset - TRANSPORT_HEADER_LENGTH;
      const prepared = keypair.prepareSeal(data, start, length, now, mtu, offset + length + batch.tailroom);
      if (!prepared.ok) {
        this.stage(peer, data.subarray(offset, offset + length));
        this.needsHandshake.add(peer);
        continue;
      }
      this.listFor(peer, keypair, batch).push(start, prepared.value);
    }
  }

  /** Step 2: the peer whose allowed IPs hold the packet's destination, or undefined (counted as a drop). */
  private route(data: Uint8Array, offset: number, length: number): Peer | undefined {
    if (ipPacketLengthAt(data, offset, length) < 0) {
      this.context.drops.add('malformed');
      return undefined;
    }
    const peer =
      data[offset]! >> 4 === 4
        ? this.context.allowedIps.lookupV4(data, offset + IPV4_DST_OFFSET)
        : this.context.allowedIps.lookupV6(data, offset + IPV6_DST_OFFSET);
    if (peer === undefined) {
      this.context.drops.add('no-route');
    }
    return peer;
  }

  /**
   * The peer's list for this batch, with room for the whole batch; a peer whose keypair changed mid-batch has what
   * it holds sent first.
   */
  private listFor(peer: Peer, keypair: Keypair, batch: PacketBatch): PacketList {
    let entry = this.sendLists.get(peer);
    if (entry === undefined || entry.list.capacity < batch.capacity) {
      entry = { list: new PacketList(Math.max(TUN_BATCH_SIZE, batch.capacity), batch.data), keypair };
      this.sendLists.set(peer, entry);
    } else if (entry.keypair !== keypair) {
      this.sealAndTransmit(peer, entry);
      entry.keypair = keypair;
    }
    if (entry.list.count === 0) {
      entry.list.reset(batch.data);
    }
    return entry.list;
  }

  /** Steps 5–7 for one peer's list, which is then empty, whether or not sealing and sending worked. */
  private sealAndTransmit(peer: Peer, entry: SendList): void {
    if (entry.list.count === 0) {
      return;
    }
    try {
      entry.keypair.sealPrepared(entry.list);
      this.transmit(peer, entry.list, true);
    } finally {
      entry.list.reset();
    }
  }

  /** Steps 6–7. */
  private transmit(peer: Peer, list: PacketList, carriesData: boolean): void {
    if (!sendToPeer(this.context, peer, list)) {
      return;
    }
    const timers = this.context.timers.get(peer);
    timers?.timersAnyAuthenticatedPacketTraversal();
    timers?.timersAnyAuthenticatedPacketSent();
    if (carriesData) {
      timers?.timersDataSent();
    }
    this.keepKeyFreshSending(peer);
  }

  /**
   * Seals and sends every staged packet with the current session; without a usable session, starts a handshake
   * and keeps them. Staged packets are copies, so each gets a buffer of its own here (not the hot path).
   */
  sendStaged(peer: Peer): void {
    const now = this.context.clock.now();
    const keypair = peer.sendableKeypair(now);
    if (keypair === null) {
      this.sendInitiation(peer, false);
      return;
    }
    const mtu = this.context.tun.mtu;
    const packets = peer.staged.splice(0);
    const sizes = packets.map((packet) => transportMessageLength(packet.length, mtu));
    const buffer = new Uint8Array(sizes.reduce((sum, size) => sum + size, 0));
    const list = new PacketList(Math.max(packets.length, 1), buffer);
    let offset = 0;
    let carriesData = false;
    for (const [i, packet] of packets.entries()) {
      buffer.set(packet, offset + TRANSPORT_HEADER_LENGTH);
      const prepared = keypair.prepareSeal(buffer, offset, packet.length, now, mtu, offset + sizes[i]!);
      if (!prepared.ok) {
        // The session ran out under us: keep the rest for the next one.
        peer.staged.push(...packets.slice(i));
        this.sendInitiation(peer, false);
        break;
      }
      list.push(offset, prepared.value);
      carriesData ||= packet.length > 0;
      offset += sizes[i]!;
    }
    if (list.count > 0) {
      keypair.sealPrepared(list);
      this.transmit(peer, list, carriesData);
    }
  }

  private stage(peer: Peer, packet: Uint8Array): void {
    if (!peer.stage(packet)) {
      this.context.drops.add('staged-overflow');
    }
  }

  /** Releases what the pipeline keeps for a removed peer. */
  forget(peer: Peer): void {
    this.sendLists.delete(peer);
    this.needsHandshake.delete(peer);
  }

  /** A keepalive is an empty packet through the normal path, so it waits for a session like any other. */
  sendKeepalive(peer: Peer): void {
    if (peer.staged.length === 0) {
      this.stage(peer, new Uint8Array(0));
    }
    this.sendStaged(peer);
  }

  /** The initiator rekeys an old or much-used session before it must be rejected (whitepaper §6.2). */
  private keepKeyFreshSending(peer: Peer): void {
    const keypair = peer.current;
    if (keypair === null || !keypair.isInitiator) {
      return;
    }
    const now = this.context.clock.now();
    if (now - keypair.createdAt >= REKEY_AFTER_TIME_MS || keypair.sendCounter >= REKEY_AFTER_MESSAGES_NUMBER) {
      this.sendInitiation(peer, false);
    }
  }
}

/**
 * The initiator of a session about to expire asks for a new one when data arrives on it, once, so a peer that
 * only receives does not lose its session (whitepaper §6.2: REJECT_AFTER_TIME − KEEPALIVE_TIMEOUT − REKEY_TIMEOUT).
 */
export function keepKeyFreshReceiving(
  peer: Peer,
  now: number,
  sendInitiation: (peer: Peer, isRetry: boolean) => void,
): void {
  const keypair = peer.current;
  if (peer.sentLastMinuteHandshake || keypair === null || !keypair.isInitiator) {
    return;
  }
  if (now - keypair.createdAt >= REJECT_AFTER_TIME_MS - KEEPALIVE_TIMEOUT_MS - REKEY_TIMEOUT_MS) {
    peer.sentLastMinuteHandshake = true;
    sendInitiation(peer, false);
  }
}
