/**
 * The kernel UDP socket behind the engine, through the burrow_udp addon: one dual-stack socket
 * (IPv4 peers appear as plain IPv4 endpoints), recvmmsg/sendmmsg batches, SO_MARK, and the UDP
 * offloads where the kernel has them: GSO sends a run of equal-sized datagrams to one peer as one
 * message, GRO receives a train of them as one, split again before the handler sees the batch.
 *
 * Why one AF_INET6 socket with IPV6_V6ONLY=0 rather than one per family: a single descriptor, poll
 * handle and receive batch for both families, one port that can never be half-taken by someone
 * else, and one SO_MARK. Kernels without IPv6 fall back to an IPv4-only socket by themselves.
 */
import { deliverFilledBatch, reportReadError } from './batch-delivery.js';
import { BIND_BATCH_SIZE, BIND_GRO_BATCH_SIZE, checkMark, checkPort, type Bind, type DatagramHandler } from './bind.js';
import { DatagramBatch, MAX_DATAGRAM } from './datagrams.js';
import { type Endpoint } from './endpoint.js';
import { IoError, native } from './errors.js';
import { loadUdpAddon, type NativeHandle, type UdpAddon, type UdpStats } from './native.js';
import { type Packets } from './packets.js';

export interface UdpBindOptions {
  /** A network namespace file (`/run/netns/NAME`) to create the socket in; the process stays put. */
  readonly netns?: string;
  /** Datagrams per receive batch (at most 1024). */
  readonly batchSize?: number;
  /** Largest datagram received; longer ones are dropped. */
  readonly maxDatagram?: number;
  /** Send trains of equal datagrams with UDP GSO where the kernel takes it. Default true. */
  readonly gso?: boolean;
  /**
   * Receive with UDP GRO where the kernel has it. Default: when a slot holds the largest train
   * (maxDatagram 65535), since a train larger than a slot is dropped whole.
   */
  readonly gro?: boolean;
}

export class UdpBind implements Bind {
  readonly #options: UdpBindOptions;
  readonly #batch: DatagramBatch;
  #addon: UdpAddon | undefined;
  #handle: NativeHandle | undefined;
  #port: number | undefined;
  #dualStack = false;
  #receiving = false;
  #mark = 0;
  #handler: DatagramHandler | undefined;
  #errorHandler: ((error: IoError) => void) | undefined;

  constructor(options: UdpBindOptions = {}) {
    const maxDatagram = options.maxDatagram ?? MAX_DATAGRAM;
    const gro = options.gro ?? maxDatagram >= MAX_DATAGRAM;
    const capacity = options.batchSize ?? (gro ? BIND_GRO_BATCH_SIZE : BIND_BATCH_SIZE);
    if (capacity > 1024) {
      throw new RangeError('batchSize is at most 1024 (the kernel limit per recvmmsg)');
    }
    this.#options = { ...options, gso: options.gso ?? true, gro };
    this.#batch = new DatagramBatch({ capacity, maxDatagram, trains: this.#options.gro });
  }

  get port(): number | undefined {
    return this.#port;
  }

  /** Whether IPv6 peers can be reached (false only on a kernel without IPv6). */
  get dualStack(): boolean {
    return this.#dualStack;
  }

  open(port: number): number {
    checkPort(port);
    if (this.#handle !== undefined) {
      throw new Error(`the bind is already open on port ${this.#port}`);
    }
    const addon = (this.#addon ??= loadUdpAddon());
    const { netns, gso = true, gro = true } = this.#options;
    const opened = native(() => addon.open(port, netns ?? null, gso, gro));
    this.#handle = opened.handle;
    this.#port = opened.port;
    this.#dualStack = opened.dualStack;
    try {
      if (this.#mark !== 0) {
        native(() => addon.setMark(opened.handle, this.#mark));
      }
      if (this.#handler !== undefined) {
        this.#startReceiving();
      }
    } catch (error) {
      this.close();
      throw error;
    }
    return opened.port;
  }

  onDatagrams(handler: DatagramHandler): void {
    this.#handler = handler;
    if (this.#handle !== undefined && !this.#receiving) {
      this.#startReceiving();
    }
  }

  onError(handler: (error: IoError) => void): void {
    this.#errorHandler = handler;
  }

  send(packets: Packets, to: Endpoint): number {
    const { addon, handle } = this.#open('sendmmsg');
    if (packets.count === 0) {
      return 0;
    }
    return native(() =>
      addon.send(handle, packets.data, packets.offsets, packets.lengths, packets.count, to.family, to.bytes, to.port),
    );
  }

  /** The offloads in use, datagrams dropped for not fitting a slot, and the socket buffers. */
  stats(): UdpStats {
    const { addon, handle } = this.#open('getsockopt');
    return addon.stats(handle);
  }

  setMark(mark: number): void {
    checkMark(mark);
    if (this.#handle !== undefined && this.#addon !== undefined) {
      const { addon, handle } = this.#open('setsockopt');
      native(() => addon.setMark(handle, mark));
    }
    this.#mark = mark;
  }

  /** SO_MARK as the kernel holds it (getsockopt), to check that setMark took. */
  readMark(): number {
    const { addon, handle } = this.#open('getsockopt');
    return native(() => addon.getMark(handle));
  }

  close(): void {
    if (this.#handle === undefined || this.#addon === undefined) {
      return;
    }
    this.#addon.close(this.#handle);
    this.#handle = undefined;
    this.#port = undefined;
    this.#receiving = false;
  }

  #open(syscall: string): { addon: UdpAddon; handle: NativeHandle } {
    if (this.#handle === undefined || this.#addon === undefined) {
      throw new IoError('EBADF', syscall, `${syscall}: the bind is not open`);
    }
    return { addon: this.#addon, handle: this.#handle };
  }

  #startReceiving(): void {
    const { addon, handle } = this.#open('recvmmsg');
    const batch = this.#batch;
    native(() =>
      addon.start(
        handle,
        batch.data,
        batch.offsets,
        batch.lengths,
        batch.slotSize,
        batch.sourceFamilies,
        batch.sourceAddresses,
        batch.sourcePorts,
        (count, error) => this.#deliver(handle, count, error),
      ),
    );
    this.#receiving = true;
  }

  #deliver(handle: NativeHandle, count: number, error: string | undefined): void {
    deliverFilledBatch(this.#batch, count, this.#handler);
    // An error from a socket that was since closed (or reopened) is no longer news.
    if (error !== undefined && handle === this.#handle) {
      reportReadError(new IoError(error, 'recvmmsg', `recvmmsg on port ${this.#port}: ${error}`), this.#errorHandler);
    }
  }
}
