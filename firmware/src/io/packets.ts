/**
 * Packets as the batch I/O calls move them: many packets in ONE backing buffer, located by two
 * parallel index arrays, so a batch of a hundred packets costs no per-packet JavaScript objects.
 *
 *   data     |..hdr..|packet 0|..tail..|..hdr..|packet 1|..tail..|  ...
 *   offsets  [ 16, 65600, ... ]        lengths [ 1420, 84, ... ]
 *
 * Readers (TUN, UDP) fill a PacketBatch of fixed slots; writers (TUN write, UDP send) take any
 * `Packets`, such as a PacketList pointing at sealed messages inside a TUN batch.
 */

/** Packet i is `data[offsets[i] .. offsets[i] + lengths[i])`, for i < count. */
export interface Packets {
  readonly data: Uint8Array;
  readonly offsets: Uint32Array;
  readonly lengths: Uint32Array;
  readonly count: number;
}

/** A view of packet i (allocates a view: for tests and slow paths, not per packet on the data path). */
export function packetAt(packets: Packets, index: number): Uint8Array {
  if (!Number.isInteger(index) || index < 0 || index >= packets.count) {
    throw new RangeError(`packet ${index} is outside 0..${packets.count - 1}`);
  }
  const offset = packets.offsets[index] ?? 0;
  return packets.data.subarray(offset, offset + (packets.lengths[index] ?? 0));
}

/** Copies of every packet, for tests and for keeping packets past a batch's lifetime. */
export function copyPackets(packets: Packets): Uint8Array[] {
  const copies: Uint8Array[] = [];
  for (let i = 0; i < packets.count; i++) {
    copies.push(packetAt(packets, i).slice());
  }
  return copies;
}

export interface BatchLayout {
  /** Packets per batch. */
  readonly capacity: number;
  /** Largest packet a slot takes. */
  readonly maxPacket: number;
  /** Bytes kept free in front of each packet (e.g. for a header written in place). */
  readonly headroom?: number;
  /** Bytes kept free after the largest packet (e.g. for padding and an authentication tag). */
  readonly tailroom?: number;
  /**
   * Packets a reader may split one slot into (a UDP GRO train): the index arrays get this many
   * entries per slot. 1 by default; `append` still fills one slot per packet.
   */
  readonly packetsPerSlot?: number;
}

const SLOT_ALIGNMENT = 16;

/**
 * A reusable batch of fixed slots that a reader fills: slot s spans `[s * slotSize, (s + 1) * slotSize)`
 * and its packet starts at `s * slotSize + headroom`, so every packet has `headroom` bytes free in
 * front and at least `tailroom` behind. Readers may skip slots (a dropped datagram), so always go
 * through `offsets`. One backing ArrayBuffer, allocated once; the kernel's lazy zero pages mean
 * large `maxPacket` values cost address space, not memory.
 */
export class PacketBatch implements Packets {
  readonly data: Uint8Array;
  readonly offsets: Uint32Array;
  readonly lengths: Uint32Array;
  count = 0;
  readonly capacity: number;
  readonly maxPacket: number;
  readonly headroom: number;
  readonly tailroom: number;
  readonly slotSize: number;

  constructor(layout: BatchLayout) {
    const { capacity, maxPacket, headroom = 0, tailroom = 0, packetsPerSlot = 1 } = layout;
    for (const [name, value, min] of [
      ['capacity', capacity, 1],
      ['maxPacket', maxPacket, 1],
      ['headroom', headroom, 0],
      ['tailroom', tailroom, 0],
      ['packetsPerSlot', packetsPerSlot, 1],
    ] as const) {
      if (!Number.isSafeInteger(value) || value < min) {
        throw new RangeError(`${name} must be an integer >= ${min}, got ${value}`);
      }
    }
    this.capacity = capacity;
    this.maxPacket = maxPacket;
    this.headroom = headroom;
    this.tailroom = tailroom;
    this.slotSize = Math.ceil((headroom + maxPacket + tailroom) / SLOT_ALIGNMENT) * SLOT_ALIGNMENT;
    if (this.slotSize * capacity > 2 ** 32 - 1) {
      throw new RangeError('a batch must fit in 4 GiB');
    }
    this.data = new Uint8Array(this.slotSize * capacity);
    this.offsets = new Uint32Array(capacity * packetsPerSlot);
    this.lengths = new Uint32Array(capacity * packetsPerSlot);
  }

  /** A view of packet i; see packetAt. */
  packet(index: number): Uint8Array {
    return packetAt(this, index);
  }

  clear(): void {
    this.count = 0;
  }

  /**
   * Where the next packet goes (its slot's start + headroom), for a writer that builds it in place:
   * write at most maxPacket bytes there, then `commit(length)`. Check `count < capacity` first.
   */
  nextOffset(): number {
    return this.count * this.slotSize + this.headroom;
  }

  /** Records the packet built at nextOffset() as packet `count`. */
  commit(length: number): void {
    if (this.count >= this.capacity) {
      throw new RangeError(`the batch is full (${this.capacity} packets)`);
    }
    if (length > this.maxPacket) {
      throw new RangeError(`a ${length}-byte packet exceeds the slot's ${this.maxPacket} bytes`);
    }
    this.offsets[this.count] = this.nextOffset();
    this.lengths[this.count] = length;
    this.count++;
  }

  /** Copies a packet into the next free slot (what the memory twins do instead of read()). */
  append(packet: Uint8Array): void {
    if (this.count >= this.capacity) {
      throw new RangeError(`the batch is full (${this.capacity} packets)`);
    }
    if (packet.length > this.maxPacket) {
      throw new RangeError(`a ${packet.length}-byte packet exceeds the slot's ${this.maxPacket} bytes`);
    }
    const offset = this.count * this.slotSize + this.headroom;
    this.data.set(packet, offset);
    this.offsets[this.count] = offset;
    this.lengths[this.count] = packet.length;
    this.count++;
  }
}

/**
 * A reusable list of packets that all live in one buffer it does not own: for example the sealed
 * messages for one peer, pointing into the TUN batch they were sealed in. `reset` starts over.
 */
export class PacketList implements Packets {
  data: Uint8Array;
  readonly offsets: Uint32Array;
  readonly lengths: Uint32Array;
  count = 0;

  constructor(capacity: number, data: Uint8Array = new Uint8Array(0)) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) {
      throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    }
    this.data = data;
    this.offsets = new Uint32Array(capacity);
    this.lengths = new Uint32Array(capacity);
  }

  /** Copies the packets into one new buffer: for handshake messages, tests and other cold paths. */
  static of(packets: readonly Uint8Array[]): PacketList {
    const total = packets.reduce((sum, packet) => sum + packet.length, 0);
    const list = new PacketList(Math.max(1, packets.length), new Uint8Array(total));
    let offset = 0;
    for (const packet of packets) {
      list.data.set(packet, offset);
      list.push(offset, packet.length);
      offset += packet.length;
    }
    return list;
  }

  get capacity(): number {
    return this.offsets.length;
  }

  /** Empties the list and points it at `data` (by default the same buffer as before). */
  reset(data: Uint8Array = this.data): void {
    this.data = data;
    this.count = 0;
  }

  push(offset: number, length: number): void {
    if (this.count >= this.offsets.length) {
      throw new RangeError(`the list is full (${this.offsets.length} packets)`);
    }
    if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0) {
      throw new RangeError(`bad packet bounds ${offset}+${length}`);
    }
    if (offset + length > this.data.length) {
      throw new RangeError(`packet ${offset}+${length} lies outside its ${this.data.length}-byte buffer`);
    }
    this.offsets[this.count] = offset;
    this.lengths[this.count] = length;
    this.count++;
  }
}
