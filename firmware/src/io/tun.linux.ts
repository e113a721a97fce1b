/**
 * A Linux TUN device (IFF_TUN | IFF_NO_PI) through the burrow_tun addon. Reading is driven by the
 * event loop: each readable event reads up to a batch of packets natively and makes one call here.
 *
 * With offloads (the default, if the kernel agrees: IFF_VNET_HDR + TSO), a read is a virtio header
 * and up to 64 KB of TCP: the addon packs reads into a raw buffer and tso-split.ts cuts each into
 * wire-sized packets in the engine's batch, handing the batch on whenever it fills. The engine sees
 * the same batches either way.
 */
import { deliverFilledBatch, reportReadError } from './batch-delivery.js';
import { IoError, native } from './errors.js';
import { loadTunAddon, type NativeHandle, type TunAddon, type TunWriteStats } from './native.js';
import { PacketBatch, type Packets } from './packets.js';
import { type OffloadDrop, splitOffloadedRead, VIRTIO_NET_HDR_GSO_NONE, VIRTIO_NET_HDR_LENGTH } from './tso-split.js';
import { TUN_BATCH_SIZE, TUN_HEADROOM, TUN_MAX_PACKET, TUN_TAILROOM, type PacketHandler, type Tun } from './tun.js';

/** Bytes of raw reads (virtio header + packet, packed) per readable event with offloads: ~15 full super-packets. */
const OFFLOAD_READ_BYTES = 1 << 20;
/** Reads are packed at this alignment. */
const OFFLOAD_READ_ALIGNMENT = 16;
/** The largest read with offloads: the header and a 64 KB super-packet. */
const OFFLOAD_MAX_READ = VIRTIO_NET_HDR_LENGTH + 65535;

/** The raw reads of an offloading device, before splitting. */
interface OffloadReads {
  readonly data: Uint8Array;
  readonly offsets: Uint32Array;
  readonly lengths: Uint32Array;
}

export interface LinuxTunOptions {
  /** Interface name, at most 15 bytes; `%d` lets the kernel number it (`burrow%d`). */
  readonly name: string;
  /**
   * A network namespace file (`/run/netns/NAME`) to create the device in. Only the creation
   * happens there; the process stays where it is, and the device keeps working from here.
   */
  readonly netns?: string;
  /** Packets per read batch. */
  readonly batchSize?: number;
  /** Largest packet read; larger ones would be truncated by the kernel, so keep it ≥ the MTU. */
  readonly maxPacket?: number;
  /**
   * Ask the kernel for TCP segmentation offload (IFF_VNET_HDR, TUNSETOFFLOAD), default true: fewer,
   * larger reads. A kernel that refuses gets a device without; false never asks.
   */
  readonly offload?: boolean;
}

/** The kernel's rule for interface names (dev_valid_name), checked here for a clear message. */
export function checkInterfaceName(name: string): void {
  if (
    Buffer.byteLength(name) < 1 ||
    Buffer.byteLength(name) > 15 ||
    name === '.' ||
    name === '..' ||
    /[\s/:\0]/.test(name)
  ) {
    throw new RangeError(`invalid interface name "${name}": 1-15 bytes, no whitespace, "/" or ":"`);
  }
}

export class LinuxTun implements Tun {
  readonly name: string;
  /** The interface index in its namespace. */
  readonly ifindex: number;
  readonly #addon: TunAddon;
  readonly #handle: NativeHandle;
  readonly #batch: PacketBatch;
  /** Set when the device has vnet headers: where the addon puts reads before they are split. */
  readonly #reads: OffloadReads | undefined;
  readonly #offloadDrops = new Map<OffloadDrop, number>();
  #superPackets = 0;
  /** Whether the device hands up TCP super-packets (the kernel took IFF_VNET_HDR and TSO). */
  readonly offloads: boolean;
  /** Why the kernel refused offloads (an errno name), if it was asked and did. */
  readonly offloadRefused: string | undefined;
  #handler: PacketHandler | undefined;
  #errorHandler: ((error: IoError) => void) | undefined;
  #reading = false;
  #closed = false;

  private constructor(addon: TunAddon, opened: ReturnType<TunAddon['open']>, batch: PacketBatch) {
    this.#addon = addon;
    this.#handle = opened.handle;
    this.name = opened.name;
    this.ifindex = opened.ifindex;
    this.#batch = batch;
    this.offloads = opened.vnetHdr;
    this.offloadRefused = opened.offloadRefused;
    this.#reads = opened.vnetHdr
      ? {
          data: new Uint8Array(OFFLOAD_READ_BYTES),
          offsets: new Uint32Array(batch.capacity),
          lengths: new Uint32Array(batch.capacity),
        }
      : undefined;
  }

  /** Creates (or attaches to) the device. Throws IoError: EPERM without CAP_NET_ADMIN, EBUSY if in use. */
  static open(options: LinuxTunOptions): LinuxTun {
    checkInterfaceName(options.name);
    const batch = new PacketBatch({
      capacity: options.batchSize ?? TUN_BATCH_SIZE,
      maxPacket: options.maxPacket ?? TUN_MAX_PACKET,
      headroom: TUN_HEADROOM,
      tailroom: TUN_TAILROOM,
    });
    const addon = loadTunAddon();
    const opened = native(() => addon.open(options.name, options.netns ?? null, options.offload ?? true));
    return new LinuxTun(addon, opened, batch);
  }

  /** Asks the kernel each time: the MTU can change under us (`ip link set mtu`). */
  get mtu(): number {
    return native(() => this.#addon.mtu(this.#handle));
  }

  get closed(): boolean {
    return this.#closed;
  }

  onPackets(handler: PacketHandler): void {
    this.#handler = handler;
    if (this.#reading || this.#closed) {
      return;
    }
    const batch = this.#batch;
    const reads = this.#reads;
    if (reads !== undefined) {
      native(() =>
        this.#addon.start(
          this.#handle,
          reads.data,
          reads.offsets,
          reads.lengths,
          OFFLOAD_READ_ALIGNMENT,
          0,
          OFFLOAD_MAX_READ,
          (count, error) => this.#deliverOffloaded(reads, count, error),
        ),
      );
      this.#reading = true;
      return;
    }
    native(() =>
      this.#addon.start(
        this.#handle,
        batch.data,
        batch.offsets,
        batch.lengths,
        batch.slotSize,
        batch.headroom,
        batch.maxPacket,
        (count, error) => this.#deliver(count, error),
      ),
    );
    this.#reading = true;
  }

  onError(handler: (error: IoError) => void): void {
    this.#errorHandler = handler;
  }

  writePackets(packets: Packets): number {
    if (this.#closed) {
      throw new IoError('EBADF', 'write', `write ${this.name}: device is closed`);
    }
    if (packets.count === 0) {
      return 0;
    }
    return native(() => this.#addon.write(this.#handle, packets.data, packets.offsets, packets.lengths, packets.count));
  }

  /** With offloads: TCP super-packets split, and reads dropped because their virtio header or packet made no sense. */
  offloadCounters(): { superPackets: number; drops: Partial<Record<OffloadDrop, number>> } {
    return { superPackets: this.#superPackets, drops: Object.fromEntries(this.#offloadDrops) };
  }

  /** Receive coalescing: super-packets written, the segments inside them, why the kernel refused them if it did. */
  writeStats(): TunWriteStats {
    return native(() => this.#addon.writeStats(this.#handle));
  }

  close(): void {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    this.#addon.close(this.#handle);
  }

  #deliver(count: number, error: string | undefined): void {
    deliverFilledBatch(this.#batch, count, this.#handler);
    this.#reportError(error);
  }

  /** Splits `count` raw reads into the batch, handing it on each time it fills and once at the end. */
  #deliverOffloaded(reads: OffloadReads, count: number, error: string | undefined): void {
    const batch = this.#batch;
    const flush = (): void => deliverFilledBatch(batch, batch.count, this.#handler);
    try {
      for (let i = 0; i < count && !this.#closed; i++) {
        const offset = reads.offsets[i]!;
        const dropped = splitOffloadedRead(reads.data, offset, reads.lengths[i]!, batch, flush);
        if (dropped !== undefined) {
          this.#offloadDrops.set(dropped, (this.#offloadDrops.get(dropped) ?? 0) + 1);
        } else if (reads.data[offset + 1] !== VIRTIO_NET_HDR_GSO_NONE) {
          this.#superPackets++;
        }
      }
      if (batch.count > 0 && !this.#closed) {
        flush();
      }
    } finally {
      batch.clear();
    }
    this.#reportError(error);
  }

  #reportError(error: string | undefined): void {
    if (error !== undefined && !this.#closed) {
      reportReadError(new IoError(error, 'read', `read ${this.name}: ${error}`), this.#errorHandler);
    }
  }
}
