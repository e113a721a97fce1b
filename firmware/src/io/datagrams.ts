/**
 * A received UDP batch: datagrams in PacketBatch slots plus, for each, where it came from, kept in
 * three parallel arrays so a batch of a hundred datagrams allocates no per-datagram objects:
 *
 *   sourceFamilies[i]                      4 or 6
 *   sourceAddresses[16i .. 16i + 4|16)     address bytes (IPv4 in the first 4)
 *   sourcePorts[i]                         port
 *
 * Compare with `sourceIs(i, endpoint)`; build an Endpoint with `source(i)` only when one is kept
 * (a handshake, a roaming peer).
 */
import { Endpoint } from './endpoint.js';
import { PacketBatch } from './packets.js';

/** The largest UDP payload: every datagram fits a slot, and so does every GRO train. */
export const MAX_DATAGRAM = 65535;
/** The most datagrams the kernel coalesces into one GRO train (UDP_GRO_CNT_MAX). */
export const MAX_TRAIN = 64;

export class DatagramBatch extends PacketBatch {
  readonly sourceFamilies: Uint8Array;
  readonly sourceAddresses: Uint8Array;
  readonly sourcePorts: Uint16Array;

  /** `trains`: a slot may hold a GRO train, so there is room for MAX_TRAIN datagrams per slot. */
  constructor(options: { capacity: number; maxDatagram?: number; trains?: boolean }) {
    super({
      capacity: options.capacity,
      maxPacket: options.maxDatagram ?? MAX_DATAGRAM,
      packetsPerSlot: options.trains === true ? MAX_TRAIN : 1,
    });
    const room = this.offsets.length;
    this.sourceFamilies = new Uint8Array(room);
    this.sourceAddresses = new Uint8Array(room * 16);
    this.sourcePorts = new Uint16Array(room);
  }

  /** The sender of datagram i, as a new Endpoint. */
  source(index: number): Endpoint {
    this.packet(index); // range check
    const length = this.sourceFamilies[index] === 4 ? 4 : 16;
    return Endpoint.fromBytes(
      this.sourceAddresses.subarray(index * 16, index * 16 + length),
      this.sourcePorts[index] ?? 0,
    );
  }

  /** Whether datagram i came from `endpoint`, without allocating. */
  sourceIs(index: number, endpoint: Endpoint): boolean {
    return (
      index >= 0 &&
      index < this.count &&
      endpoint.matches(this.sourceFamilies[index] ?? 0, this.sourceAddresses, index * 16, this.sourcePorts[index] ?? 0)
    );
  }

  /** Copies a datagram and its sender into the next slot (what the memory twin does instead of recvmmsg). */
  appendFrom(datagram: Uint8Array, from: Endpoint): void {
    const index = this.count;
    this.append(datagram);
    this.sourceFamilies[index] = from.family;
    this.sourceAddresses.fill(0, index * 16, index * 16 + 16);
    this.sourceAddresses.set(from.bytes, index * 16);
    this.sourcePorts[index] = from.port;
  }
}
