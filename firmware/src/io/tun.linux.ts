/**
 * A Linux TUN device (IFF_TUN | IFF_NO_PI) through the burrow_tun addon. Reading is driven by the
 * event loop: each readable event reads up to a batch of packets natively and makes one call here.
 */
import { deliverFilledBatch, reportReadError } from './batch-delivery.js';
import { IoError, native } from './errors.js';
import { loadTunAddon, type NativeHandle, type TunAddon } from './native.js';
import { PacketBatch, type Packets } from './packets.js';
import { TUN_BATCH_SIZE, TUN_HEADROOM, TUN_MAX_PACKET, TUN_TAILROOM, type PacketHandler, type Tun } from './tun.js';

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
    const opened = native(() => addon.open(options.name, options.netns ?? null));
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

  close(): void {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    this.#addon.close(this.#handle);
  }

  #deliver(count: number, error: string | undefined): void {
    deliverFilledBatch(this.#batch, count, this.#handler);
    if (error !== undefined && !this.#closed) {
      reportReadError(new IoError(error, 'read', `read ${this.name}: ${error}`), this.#errorHandler);
    }
  }
}
