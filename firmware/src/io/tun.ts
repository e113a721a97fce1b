/**
 * The TUN device as the engine sees it: IP packets in and out, in batches.
 *
 * Implementations: LinuxTun (tun.linux.ts, the kernel through the burrow_tun addon) and
 * MemoryTun (tun.memory.ts, for tests). Both deliver batches laid out the same way, with room
 * around every packet so the engine seals in place:
 *
 *   | 16 B headroom | IP packet (≤ maxPacket) | ≥ 32 B tailroom |
 *     ^ transport header              padding (≤ 15 B) + tag (16 B) ^
 *
 * so `offsets[i] - TUN_HEADROOM` is where the WireGuard message for packet i starts.
 */
import { type IoError } from './errors.js';
import { type PacketBatch, type Packets } from './packets.js';

/** Room for the transport header (type, receiver index, counter) in front of each packet read. */
export const TUN_HEADROOM = 16;
/** Room for zero padding to a 16-byte multiple (≤ 15 bytes) and the Poly1305 tag (16) after it. */
export const TUN_TAILROOM = 32;
/** Packets per read batch (wireguard-go's IdealBatchSize). */
export const TUN_BATCH_SIZE = 128;
/** The largest IP packet a read slot takes: an interface MTU can be raised up to this. */
export const TUN_MAX_PACKET = 65535;

/**
 * Receives one batch of packets read from the device. The batch and its memory are reused for the
 * next read: they are valid until the handler returns, so copy (or finish with) what you keep.
 */
export type PacketHandler = (batch: PacketBatch) => void;

export interface Tun {
  /** The interface name the kernel gave the device. */
  readonly name: string;
  /** The interface's current MTU. */
  readonly mtu: number;
  /** Where batches go. Reading starts with the first handler; until then packets wait in the kernel. */
  onPackets(handler: PacketHandler): void;
  /**
   * Where a read error goes (e.g. EBADFD after the interface was deleted). Reading stops after one;
   * close the device. Without a handler the error is thrown as an uncaught exception.
   */
  onError(handler: (error: IoError) => void): void;
  /**
   * Writes a batch of IP packets to the device (one native call). Returns how many the kernel took;
   * a malformed packet (not IPv4/IPv6) is dropped and the rest still go, and a full queue drops the
   * remainder. Throws IoError for anything else.
   */
  writePackets(packets: Packets): number;
  /** Stops reading and closes the device; a non-persistent interface disappears. Idempotent. */
  close(): void;
}
