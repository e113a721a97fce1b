// Two real Devices, A and B, joined by a MemoryNetwork, each with a MemoryTun, sharing one FakeClock: the whole
// engine runs, only the kernel and time are simulated. Both are configured through UAPI `set` lines, as wg(8)
// would send them, and peer with each other:
//
//   A  underlay 192.0.2.1:51820  tunnel 10.0.0.1 fd00::1   ◀── MemoryNetwork ──▶   B  192.0.2.2:51820  10.0.0.2 fd00::2
//
// Every datagram sent is recorded in `wire` with its fate, so tests assert on what went over the underlay.
// Nothing here waits for real time: `settle()` delivers everything pending, `advance(ms)` moves the clock in small
// steps and settles after each, so replies land (at the end of the step) before later timers fire.
import { parseSetRequest } from '../../control/uapi-protocol.js';
import { generatePrivateKey, publicKeyFromPrivate } from '../../crypto/x25519.js';
import { type Impairment, type MemoryBind, MemoryNetwork } from '../../io/bind.memory.js';
import { FakeClock } from '../../io/clock.fake.js';
import { type Endpoint } from '../../io/endpoint.js';
import { PacketList } from '../../io/packets.js';
import { MemoryTun } from '../../io/tun.memory.js';
import { type EngineLog } from '../context.js';
import { type PeerSnapshot } from '../device-change.js';
import { Device } from '../device.js';
import { udpPacket } from './ip-packets.js';
import { classify, type WireKind, type WireRecord } from './wire.js';

export const LISTEN_PORT = 51820;

/** Keeps what the engine logs, so a test can show it or assert that nothing went wrong. */
export class RecordingLog implements EngineLog {
  readonly lines: string[] = [];
  readonly warnings: string[] = [];

  info(message: string): void {
    this.lines.push(`info ${message}`);
  }

  warn(message: string): void {
    this.lines.push(`warn ${message}`);
    this.warnings.push(message);
  }

  debug(message: string): void {
    this.lines.push(`debug ${message}`);
  }
}

export interface SideOptions {
  /** DeviceOptions.underLoadHandshakesPerSecond: 0 demands a cookie for every handshake message. */
  readonly underLoadHandshakesPerSecond?: number;
  /** Extra lines for this side's peer section, e.g. `persistent_keepalive_interval=25`. */
  readonly peerLines?: readonly string[];
  /** Whether this side is told where its peer is (default true); without it the side can only answer. */
  readonly knowsPeerEndpoint?: boolean;
  /** The key this side is configured with for its peer (default: the peer's real public key). */
  readonly peerPublicKey?: Uint8Array;
}

export interface PairOptions {
  readonly a?: SideOptions;
  readonly b?: SideOptions;
}

export interface Side {
  readonly name: 'A' | 'B';
  readonly device: Device;
  readonly tun: MemoryTun;
  readonly bind: MemoryBind;
  readonly privateKey: Uint8Array;
  readonly publicKey: Uint8Array;
  /** The underlay address its bind starts on. */
  readonly underlay: string;
  /** Its own addresses inside the tunnel. */
  readonly v4: string;
  readonly v6: string;
  readonly log: RecordingLog;
}

const hex = (key: Uint8Array): string => Buffer.from(key).toString('hex');

interface Host {
  readonly name: 'A' | 'B';
  readonly underlay: string;
  readonly v4: string;
  readonly v6: string;
  readonly privateKey: Uint8Array;
}

export class EnginePair {
  readonly clock = new FakeClock();
  readonly network = new MemoryNetwork();
  /** Every datagram sent on the underlay, oldest first. */
  readonly wire: WireRecord[] = [];
  /** Whether `wire` records; a fuzz run sending a million datagrams turns it off. */
  recording = true;
  readonly a: Side;
  readonly b: Side;
  readonly #names = new Map<MemoryBind, string>();
  #policy: Impairment | undefined;

  private constructor(options: PairOptions) {
    this.network.impair((datagram) => {
      const fate = this.#policy?.(datagram) ?? 'deliver';
      if (!this.recording) {
        return fate;
      }
      this.wire.push({
        at: this.clock.now(),
        sender: this.nameOf(datagram.from),
        receiver: this.nameOf(datagram.to),
        from: datagram.from,
        to: datagram.to,
        kind: classify(datagram.data),
        bytes: datagram.data.slice(),
        fate,
      });
      return fate;
    });
    const hostA: Host = {
      name: 'A',
      underlay: '192.0.2.1',
      v4: '10.0.0.1',
      v6: 'fd00::1',
      privateKey: generatePrivateKey(),
    };
    const hostB: Host = {
      name: 'B',
      underlay: '192.0.2.2',
      v4: '10.0.0.2',
      v6: 'fd00::2',
      privateKey: generatePrivateKey(),
    };
    this.a = this.#createSide(hostA, options.a ?? {});
    this.b = this.#createSide(hostB, options.b ?? {});
  }

  /** Two devices configured as each other's peer, listening on LISTEN_PORT; no handshake yet. */
  static async create(options: PairOptions = {}): Promise<EnginePair> {
    const pair = new EnginePair(options);
    await pair.configure(pair.a, pair.#configLines(pair.a, pair.b, options.a ?? {}));
    await pair.configure(pair.b, pair.#configLines(pair.b, pair.a, options.b ?? {}));
    return pair;
  }

  /** Applies UAPI `set` lines to a side, exactly as wg(8) sends them. */
  configure(side: Side, lines: readonly string[]): Promise<void> {
    return side.device.apply(parseSetRequest(lines));
  }

  /** The other side. */
  peerOf(side: Side): Side {
    return side === this.a ? this.b : this.a;
  }

  /** Decides the fate of every datagram from now on (recording goes on); undefined delivers all. */
  impair(policy: Impairment | undefined): void {
    this.#policy = policy;
  }

  /** Another host on the network (an attacker, a port squatter), open on `port` (0: ephemeral). */
  host(name: string, address: string, port = 0): MemoryBind {
    const bind = this.network.createBind(address);
    bind.open(port);
    bind.onDatagrams(() => undefined); // what others send it is seen in `wire`
    this.#names.set(bind, name);
    return bind;
  }

  /** Sends raw datagrams from `bind` to a side's current endpoint, and delivers everything. */
  inject(bind: MemoryBind, to: Side, datagrams: readonly Uint8Array[]): void {
    bind.send(PacketList.of(datagrams), to.bind.endpoint);
    this.settle();
  }

  /** Delivers everything pending, TUN reads and datagrams, including replies to replies, until quiet. */
  settle(): void {
    for (let round = 0; this.a.tun.queued + this.b.tun.queued + this.network.inFlight > 0; round++) {
      if (round > 1000) {
        throw new Error('the pair does not go quiet');
      }
      this.a.tun.flush();
      this.b.tun.flush();
      this.network.flush();
    }
  }

  /** Moves the clock forward by `ms`, in steps of `stepMs`, settling after each. */
  advance(ms: number, stepMs = 10): void {
    this.settle();
    const target = this.clock.now() + ms;
    while (this.clock.now() < target) {
      this.clock.advance(Math.min(stepMs, target - this.clock.now()));
      this.settle();
    }
  }

  /** Advances in steps until `done()` holds; returns the time it took, or throws after `limitMs`. */
  advanceUntil(done: () => boolean, limitMs: number, stepMs = 10): number {
    const start = this.clock.now();
    this.settle();
    while (!done()) {
      if (this.clock.now() - start >= limitMs) {
        throw new Error(`condition not reached within ${limitMs} ms`);
      }
      this.clock.advance(stepMs);
      this.settle();
    }
    return this.clock.now() - start;
  }

  /** A UDP packet from `from`'s tunnel address to `to`'s, IPv4 or IPv6. */
  packet(from: Side, to: Side, payload: string, family: 4 | 6 = 4): Uint8Array {
    return udpPacket({
      source: family === 4 ? from.v4 : from.v6,
      destination: family === 4 ? to.v4 : to.v6,
      payload,
    });
  }

  /** The kernel routes packets into `from`'s TUN; everything that follows is delivered. */
  send(from: Side, ...packets: Uint8Array[]): void {
    from.tun.inject(...packets);
    this.settle();
  }

  /** Packets `side`'s engine wrote to its TUN since the last call. */
  received(side: Side): Uint8Array[] {
    return side.tun.takeWritten();
  }

  /** How `side` reports the other side through the UAPI `get` (its first peer if configured with another key). */
  peerSnapshot(side: Side): PeerSnapshot {
    const peers = side.device.snapshot().peers;
    const other = this.peerOf(side).publicKey;
    const peer = peers.find((candidate) => Buffer.from(candidate.publicKey).equals(other)) ?? peers[0];
    if (peer === undefined) {
      throw new Error(`${side.name} has no peer`);
    }
    return peer;
  }

  /** Datagrams `sender` sent (optionally of one kind) since wire index `since`. */
  sent(sender: Side | string, kind?: WireKind, since = 0): WireRecord[] {
    const name = typeof sender === 'string' ? sender : sender.name;
    return this.wire
      .slice(since)
      .filter((record) => record.sender === name && (kind === undefined || record.kind === kind));
  }

  /** A handshake started by `initiator` sending one packet, and one packet back: both must arrive. */
  establish(initiator: Side = this.a): void {
    const responder = this.peerOf(initiator);
    this.send(initiator, this.packet(initiator, responder, 'hello'));
    this.send(responder, this.packet(responder, initiator, 'hello back'));
    const there = this.received(responder).length;
    const back = this.received(initiator).length;
    if (there !== 1 || back !== 1) {
      throw new Error(`no session between A and B (delivered ${there} and ${back})\n${this.logs()}`);
    }
  }

  /** Both logs, for a failing test's message. */
  logs(): string {
    return [...this.a.log.lines.map((line) => `A ${line}`), ...this.b.log.lines.map((line) => `B ${line}`)].join('\n');
  }

  close(): void {
    this.a.device.close();
    this.b.device.close();
  }

  /** The name of the host on `endpoint` now ('A', 'B', a `host()` name), else the endpoint itself. */
  nameOf(endpoint: Endpoint): string {
    for (const [bind, name] of this.#names) {
      if (bind.port !== undefined && bind.endpoint.equals(endpoint)) {
        return name;
      }
    }
    return endpoint.toString();
  }

  #createSide(host: Host, options: SideOptions): Side {
    const tun = new MemoryTun({ name: `wg-${host.name.toLowerCase()}` });
    const bind = this.network.createBind(host.underlay);
    const log = new RecordingLog();
    const device = new Device({
      tun,
      bind,
      clock: this.clock,
      log,
      ...(options.underLoadHandshakesPerSecond === undefined
        ? {}
        : { underLoadHandshakesPerSecond: options.underLoadHandshakesPerSecond }),
    });
    this.#names.set(bind, host.name);
    return { ...host, device, tun, bind, publicKey: publicKeyFromPrivate(host.privateKey), log };
  }

  #configLines(side: Side, peer: Side, options: SideOptions): string[] {
    return [
      `private_key=${hex(side.privateKey)}`,
      `listen_port=${LISTEN_PORT}`,
      `public_key=${hex(options.peerPublicKey ?? peer.publicKey)}`,
      ...(options.knowsPeerEndpoint === false ? [] : [`endpoint=${peer.underlay}:${LISTEN_PORT}`]),
      `allowed_ip=${peer.v4}/32`,
      `allowed_ip=${peer.v6}/128`,
      ...(options.peerLines ?? []),
    ];
  }
}
