/**
 * A TUN device in memory, for tests: the "kernel side" is a channel the test drives, like
 * wireguard-go's tuntest.ChannelTUN.
 *
 *   test ── inject(packet) ──▶ [queue ≤ queueLimit] ──batches──▶ onPackets handler (engine)
 *   test ◀── takeWritten() ◀── [written]            ◀──────────── writePackets (engine)
 *
 * Behaves as LinuxTun does where a test could tell: same batch layout (headroom, tailroom, reused
 * memory), batches delivered later (a microtask, or `flush()` now) and never re-entrantly,
 * packets waiting until a handler is set, a bounded queue that drops when full (the kernel's
 * txqueuelen), writes of non-IP packets dropped, EBADF after close.
 */
import { deliverQueuedBatch, reportReadError } from './batch-delivery.js';
import { IoError } from './errors.js';
import { PacketBatch, packetAt, type Packets } from './packets.js';
import { TUN_BATCH_SIZE, TUN_HEADROOM, TUN_MAX_PACKET, TUN_TAILROOM, type PacketHandler, type Tun } from './tun.js';

export interface MemoryTunOptions {
  readonly name?: string;
  readonly mtu?: number;
  readonly batchSize?: number;
  readonly maxPacket?: number;
  /** Injected packets waiting to be read before new ones are dropped (Linux's default txqueuelen). */
  readonly queueLimit?: number;
}

export class MemoryTun implements Tun {
  readonly name: string;
  mtu: number;
  /** Injected packets dropped because the queue was full. */
  dropped = 0;
  /** Written packets dropped as not IPv4/IPv6 (the kernel's EINVAL). */
  rejected = 0;
  readonly #batch: PacketBatch;
  readonly #queueLimit: number;
  #queue: Uint8Array[] = [];
  #written: Uint8Array[] = [];
  #handler: PacketHandler | undefined;
  #errorHandler: ((error: IoError) => void) | undefined;
  #scheduled = false;
  #delivering = false;
  #failed = false;
  #closed = false;

  constructor(options: MemoryTunOptions = {}) {
    this.name = options.name ?? 'memtun0';
    this.mtu = options.mtu ?? 1420;
    this.#queueLimit = options.queueLimit ?? 500;
    this.#batch = new PacketBatch({
      capacity: options.batchSize ?? TUN_BATCH_SIZE,
      maxPacket: options.maxPacket ?? TUN_MAX_PACKET,
      headroom: TUN_HEADROOM,
      tailroom: TUN_TAILROOM,
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  // ---- the engine's side (Tun) ------------------------------------------------

  onPackets(handler: PacketHandler): void {
    this.#handler = handler;
    this.#schedule();
  }

  onError(handler: (error: IoError) => void): void {
    this.#errorHandler = handler;
  }

  writePackets(packets: Packets): number {
    if (this.#closed) {
      throw new IoError('EBADF', 'write', `write ${this.name}: device is closed`);
    }
    let written = 0;
    for (let i = 0; i < packets.count; i++) {
      const packet = packetAt(packets, i);
      const version = (packet[0] ?? 0) >> 4;
      if (version !== 4 && version !== 6) {
        this.rejected++;
        continue;
      }
      this.#written.push(packet.slice());
      written++;
    }
    return written;
  }

  close(): void {
    this.#closed = true;
    this.#queue = [];
  }

  // ---- the kernel's side (driven by tests) ------------------------------------

  /** Packets the kernel routes into the device; copied, delivered in batches later. */
  inject(...packets: Uint8Array[]): void {
    if (this.#closed) {
      return; // the interface is gone: the kernel has nowhere to route them
    }
    for (const packet of packets) {
      if (packet.length > this.#batch.maxPacket) {
        throw new RangeError(`a ${packet.length}-byte packet exceeds maxPacket ${this.#batch.maxPacket}`);
      }
      if (this.#queue.length >= this.#queueLimit) {
        this.dropped++;
        continue;
      }
      this.#queue.push(packet.slice());
    }
    this.#schedule();
  }

  /** Packets the engine wrote since the last call, oldest first. */
  takeWritten(): Uint8Array[] {
    const written = this.#written;
    this.#written = [];
    return written;
  }

  /** Packets injected but not yet delivered. */
  get queued(): number {
    return this.#queue.length;
  }

  /** Delivers queued packets now, batch by batch (no-op without a handler or from inside one). */
  flush(): void {
    if (this.#delivering || this.#handler === undefined || this.#closed || this.#failed) {
      return;
    }
    this.#delivering = true;
    const batch = this.#batch;
    const append = (packet: Uint8Array): void => batch.append(packet);
    try {
      while (this.#queue.length > 0 && !this.#closed) {
        deliverQueuedBatch(this.#queue, batch, append, this.#handler);
      }
    } finally {
      this.#delivering = false;
    }
  }

  /** Makes reading fail as the kernel would (e.g. 'EBADFD' when the interface is deleted); reading stops. */
  fail(code: string): void {
    const failure = new IoError(code, 'read', `read ${this.name}: ${code}`);
    this.#failed = true;
    queueMicrotask(() => {
      if (!this.#closed) {
        reportReadError(failure, this.#errorHandler);
      }
    });
  }

  #schedule(): void {
    if (this.#scheduled || this.#handler === undefined || this.#queue.length === 0) {
      return;
    }
    this.#scheduled = true;
    queueMicrotask(() => {
      this.#scheduled = false;
      this.flush();
    });
  }
}
