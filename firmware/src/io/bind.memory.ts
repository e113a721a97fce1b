/**
 * UDP in memory, for tests: a MemoryNetwork of hosts, each a MemoryBind with one address, like
 * wireguard-go's bindtest.ChannelBind but with the faults a real path has.
 *
 *   bind.send ──▶ impairment(datagram) ──deliver──────────▶ in flight ──▶ destination's handler
 *                                     ──duplicate (×2)────▶    ▲          (batched, later)
 *                                     ──hold──▶ held ──releaseHeld()──┘  (arrives after the rest)
 *                                     ──drop
 *
 * `roam()` moves a bind to another address/port, as NAT rebinding or a phone changing networks
 * does; datagrams for its old endpoint are then lost. Delivery happens on a microtask (or
 * `flush()` now) and never re-entrantly. The sender's buffers are copied at send time.
 */
import { deliverQueuedBatch } from './batch-delivery.js';
import { BIND_BATCH_SIZE, checkMark, checkPort, type Bind, type DatagramHandler } from './bind.js';
import { DatagramBatch, MAX_DATAGRAM } from './datagrams.js';
import { Endpoint, parseAddress } from './endpoint.js';
import { IoError } from './errors.js';
import { packetAt, type Packets } from './packets.js';

export interface InFlightDatagram {
  readonly from: Endpoint;
  readonly to: Endpoint;
  readonly data: Uint8Array;
  /** The sender's SO_MARK when it was sent. */
  readonly mark: number;
}

/** What the network does with one datagram. */
export type Fate = 'deliver' | 'drop' | 'duplicate' | 'hold';
export type Impairment = (datagram: InFlightDatagram) => Fate;

export interface NetworkStats {
  sent: number;
  delivered: number;
  dropped: number;
  duplicated: number;
  /** No open bind at the destination, or its receive queue was full. */
  unroutable: number;
}

/** Ephemeral ports, as Linux hands them out by default (net.ipv4.ip_local_port_range). */
const EPHEMERAL_FIRST = 32768;
const EPHEMERAL_LAST = 60999;
/** Datagrams a bind holds before handling them (a socket's receive buffer). */
const RECEIVE_QUEUE_LIMIT = 4096;
/** Rounds of send-in-reply-to-receive that flush() follows before calling it a loop. */
const FLUSH_ROUNDS = 10_000;

export class MemoryNetwork {
  readonly stats: NetworkStats = { sent: 0, delivered: 0, dropped: 0, duplicated: 0, unroutable: 0 };
  readonly #binds = new Map<string, MemoryBind>(); // by the endpoint they listen on
  #inFlight: InFlightDatagram[] = [];
  #held: InFlightDatagram[] = [];
  #impairment: Impairment | undefined;
  #nextPort = EPHEMERAL_FIRST;
  #scheduled = false;
  #flushing = false;

  /** A new host on this network with a numeric IPv4 or IPv6 address (not yet open). */
  createBind(address: string, options: { batchSize?: number } = {}): MemoryBind {
    return new MemoryBind(this, address, options.batchSize ?? BIND_BATCH_SIZE);
  }

  /** Decides the fate of every datagram sent from now on; `undefined` delivers everything. */
  impair(impairment: Impairment | undefined): void {
    this.#impairment = impairment;
  }

  /** Sends the held datagrams on, behind everything already in flight; returns how many. */
  releaseHeld(): number {
    const held = this.#held;
    this.#held = [];
    this.#inFlight.push(...held);
    this.#schedule();
    return held.length;
  }

  get inFlight(): number {
    return this.#inFlight.length;
  }

  get held(): number {
    return this.#held.length;
  }

  /** Delivers everything in flight now, including replies sent by handlers, until quiet. */
  flush(): void {
    if (this.#flushing) {
      return;
    }
    this.#flushing = true;
    try {
      for (let round = 0; this.#inFlight.length > 0; round++) {
        if (round >= FLUSH_ROUNDS) {
          throw new Error(`the network did not go quiet after ${FLUSH_ROUNDS} rounds: endless ping-pong?`);
        }
        this.#deliverRound();
      }
    } finally {
      this.#flushing = false;
    }
  }

  // ---- used by MemoryBind ------------------------------------------------------

  /** @internal Registers `bind` on `address`:`port` (0 = ephemeral); returns the port. */
  attach(bind: MemoryBind, address: string, port: number): number {
    if (port === 0) {
      port = this.#ephemeralPort(address);
    }
    const key = Endpoint.of(address, port).toString();
    const owner = this.#binds.get(key);
    if (owner !== undefined && owner !== bind) {
      throw new IoError('EADDRINUSE', 'bind', `bind ${key}: EADDRINUSE`);
    }
    this.#binds.set(key, bind);
    return port;
  }

  /** @internal */
  detach(bind: MemoryBind, address: string, port: number): void {
    const key = Endpoint.of(address, port).toString();
    if (this.#binds.get(key) === bind) {
      this.#binds.delete(key);
    }
  }

  /** @internal Takes a datagram from a bind, applying the impairment. */
  transmit(datagram: InFlightDatagram): void {
    this.stats.sent++;
    const fate = this.#impairment?.(datagram) ?? 'deliver';
    switch (fate) {
      case 'drop':
        this.stats.dropped++;
        return;
      case 'hold':
        this.#held.push(datagram);
        return;
      case 'duplicate':
        this.stats.duplicated++;
        this.#inFlight.push(datagram, datagram);
        break;
      case 'deliver':
        this.#inFlight.push(datagram);
        break;
    }
    this.#schedule();
  }

  #ephemeralPort(address: string): number {
    for (let tries = 0; tries <= EPHEMERAL_LAST - EPHEMERAL_FIRST; tries++) {
      const port = this.#nextPort;
      this.#nextPort = port === EPHEMERAL_LAST ? EPHEMERAL_FIRST : port + 1;
      if (!this.#binds.has(Endpoint.of(address, port).toString())) {
        return port;
      }
    }
    throw new IoError('EADDRINUSE', 'bind', `bind ${address}: no free ephemeral port`);
  }

  #schedule(): void {
    if (this.#scheduled || this.#inFlight.length === 0) {
      return;
    }
    this.#scheduled = true;
    queueMicrotask(() => {
      this.#scheduled = false;
      this.flush();
    });
  }

  /** One round: every datagram now in flight reaches its bind's queue, then each bind handles its queue. */
  #deliverRound(): void {
    const datagrams = this.#inFlight;
    this.#inFlight = [];
    const receivers = new Set<MemoryBind>();
    for (const datagram of datagrams) {
      const bind = this.#binds.get(datagram.to.toString());
      if (bind === undefined || !bind.enqueue(datagram)) {
        this.stats.unroutable++;
        continue;
      }
      this.stats.delivered++;
      receivers.add(bind);
    }
    for (const bind of receivers) {
      bind.deliverQueued();
    }
  }
}

export class MemoryBind implements Bind {
  readonly network: MemoryNetwork;
  #address: string;
  #family: 4 | 6;
  #port: number | undefined;
  #mark = 0;
  readonly #batch: DatagramBatch;
  #queue: InFlightDatagram[] = [];
  #handler: DatagramHandler | undefined;
  #delivering = false;

  /** Use `network.createBind(address)`. */
  constructor(network: MemoryNetwork, address: string, batchSize: number) {
    this.network = network;
    this.#family = parseAddress(address).length === 4 ? 4 : 6;
    this.#address = address;
    this.#batch = new DatagramBatch({ capacity: batchSize });
  }

  /** The host address this bind sends from and listens on. */
  get address(): string {
    return this.#address;
  }

  get port(): number | undefined {
    return this.#port;
  }

  /** Where others reach this bind (address and bound port); throws if not open. */
  get endpoint(): Endpoint {
    return Endpoint.of(this.#address, this.#open('getsockname'));
  }

  /** The SO_MARK that outgoing datagrams carry. */
  get mark(): number {
    return this.#mark;
  }

  open(port: number): number {
    checkPort(port);
    if (this.#port !== undefined) {
      throw new Error(`the bind is already open on port ${this.#port}`);
    }
    this.#port = this.network.attach(this, this.#address, port);
    return this.#port;
  }

  onDatagrams(handler: DatagramHandler): void {
    this.#handler = handler;
    if (this.#queue.length > 0) {
      queueMicrotask(() => this.deliverQueued());
    }
  }

  onError(_handler: (error: IoError) => void): void {
    // An in-memory socket has no receive errors to report.
  }

  send(packets: Packets, to: Endpoint): number {
    const port = this.#open('sendmmsg');
    if (to.family !== this.#family) {
      throw new IoError(
        'ENETUNREACH',
        'sendmmsg',
        `sendmmsg ${to.toString()}: ENETUNREACH (host has IPv${this.#family} only)`,
      );
    }
    const limit = MAX_DATAGRAM - 8 - (to.family === 4 ? 20 : 0);
    for (let i = 0; i < packets.count; i++) {
      if ((packets.lengths[i] ?? 0) > limit) {
        throw new IoError('EMSGSIZE', 'sendmmsg', `sendmmsg ${to.toString()}: EMSGSIZE`);
      }
    }
    const from = Endpoint.of(this.#address, port);
    for (let i = 0; i < packets.count; i++) {
      this.network.transmit({ from, to, data: packetAt(packets, i).slice(), mark: this.#mark });
    }
    return packets.count;
  }

  setMark(mark: number): void {
    checkMark(mark);
    this.#mark = mark;
  }

  close(): void {
    if (this.#port === undefined) {
      return;
    }
    this.network.detach(this, this.#address, this.#port);
    this.#port = undefined;
    this.#queue = [];
  }

  /**
   * Moves this host to another address (and, if given, port) while it stays open: what NAT
   * rebinding or a change of network looks like to its peers. Throws EADDRINUSE if taken.
   */
  roam(address: string, port?: number): void {
    const family = parseAddress(address).length === 4 ? 4 : 6;
    if (this.#port === undefined) {
      this.#address = address;
      this.#family = family;
      return;
    }
    const oldPort = this.#port;
    const newPort = this.network.attach(this, address, port ?? oldPort);
    if (address !== this.#address || newPort !== oldPort) {
      this.network.detach(this, this.#address, oldPort);
    }
    this.#address = address;
    this.#family = family;
    this.#port = newPort;
  }

  /** @internal The network hands over a datagram; false if it cannot be taken. */
  enqueue(datagram: InFlightDatagram): boolean {
    if (this.#port === undefined || this.#queue.length >= RECEIVE_QUEUE_LIMIT) {
      return false;
    }
    this.#queue.push(datagram);
    return true;
  }

  /** @internal Hands queued datagrams to the handler in batches. */
  deliverQueued(): void {
    if (this.#delivering || this.#handler === undefined) {
      return;
    }
    this.#delivering = true;
    const batch = this.#batch;
    const append = (datagram: InFlightDatagram): void => batch.appendFrom(datagram.data, datagram.from);
    try {
      while (this.#queue.length > 0 && this.#port !== undefined) {
        deliverQueuedBatch(this.#queue, batch, append, this.#handler);
      }
    } finally {
      this.#delivering = false;
    }
  }

  #open(syscall: string): number {
    if (this.#port === undefined) {
      throw new IoError('EBADF', syscall, `${syscall}: the bind is not open`);
    }
    return this.#port;
  }
}
