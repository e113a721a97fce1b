// Fuzzing the receive path of a configured Device through its MemoryBind, so the real inbound pipeline runs on
// every message. The target is B of an EnginePair; A is its legitimate peer, whose traffic must keep flowing.
//
//   1. capture   A and B shake hands both ways, with cookies (A demands them), so the wire holds valid messages
//                of every type addressed to B
//   2. fuzz      batches of hostile datagrams (fuzz-messages.ts) from an attacker that hops between addresses,
//                with the clock moving; after every batch: no internal error, nothing forged reached B's TUN, the
//                tables stayed bounded, and now and then A's real packets still arrive. B also has a second peer,
//                C, whose endpoint the attacker owns: B's initiations to C show the attacker which handshake
//                indices are live, and it aims forged responses and cookie replies at them
import { KEEPALIVE_TIMEOUT_MS, REJECT_AFTER_TIME_MS } from '../../protocol/constants.js';
import { generatePrivateKey, publicKeyFromPrivate } from '../../crypto/x25519.js';
import { type MemoryBind } from '../../io/bind.memory.js';
import { PacketList } from '../../io/packets.js';
import { type DropReason } from '../context.js';
import { keyHex } from '../device-config.js';
import { MAX_STAGED_PACKETS } from '../peer.js';
import { EnginePair, type Side } from './engine-pair.js';
import { FuzzMessages, type FuzzKind } from './fuzz-messages.js';
import { udpPacket, udpText } from './ip-packets.js';
import { Prng } from './prng.js';
import { tableSizes, type TableSizes } from './internals.js';
import { classify, senderIndex, type WireKind } from './wire.js';

export interface FuzzOptions {
  readonly seed: number;
  readonly messages: number;
  readonly batchSize?: number;
  /** Fake milliseconds that pass per batch (the load meter and rate limiter run on this clock). */
  readonly msPerBatch?: number;
  /** Distinct source addresses the attacker hops between. */
  readonly sources?: number;
}

export interface FuzzReport {
  readonly messages: number;
  readonly counts: Readonly<Record<FuzzKind, number>>;
  /** Datagrams B dropped during the run, by reason. */
  readonly drops: Readonly<Record<string, number>>;
  /** Their sum: every hostile datagram must be dropped, for exactly one reason. */
  readonly dropped: number;
  /** The largest table sizes seen at B after any batch. */
  readonly largest: TableSizes;
  /** What B sent the attacker, by kind: cookie replies only, or a forged message was taken for real. */
  readonly repliesToAttacker: Readonly<Partial<Record<WireKind, number>>>;
  readonly legitimateDelivered: number;
}

/** B's tunnel route to peer C, the attacker's. */
const PEER_C_ADDRESS = '10.0.0.3';

/** Every reason an inbound datagram can be dropped for; the fuzz report lists them. */
const INBOUND_DROPS: readonly DropReason[] = [
  'malformed',
  'invalid-mac',
  'invalid-handshake',
  'cookie-sent',
  'rate-limited',
  'unknown-index',
  'invalid-data',
  'disallowed-source',
  'internal',
];

/** Advances until `side` has written `count` packets to its TUN; returns them. */
export function awaitPackets(pair: EnginePair, side: Side, count: number, limitMs: number): Uint8Array[] {
  const got: Uint8Array[] = [];
  pair.advanceUntil(() => {
    got.push(...pair.received(side));
    return got.length >= count;
  }, limitMs);
  return got;
}

/** A pair where A demands cookies, after handshakes in both directions; returns the valid datagrams sent to B. */
export async function pairWithCapturedMessages(): Promise<{ pair: EnginePair; toB: Uint8Array[] }> {
  const pair = await EnginePair.create({ a: { underLoadHandshakesPerSecond: 0 } });
  const { a, b } = pair;
  // B initiates: A answers with a cookie reply, and B's retry with MAC2 gets the response.
  pair.send(b, pair.packet(b, a, 'B starts'));
  awaitPackets(pair, a, 1, 20_000);
  pair.send(a, pair.packet(a, b, 'A answers'));
  // Once both sessions expired, A initiates: B's response is refused with a cookie reply until it carries MAC2.
  pair.advance(REJECT_AFTER_TIME_MS + 1_000, 100);
  pair.send(a, pair.packet(a, b, 'A starts'));
  awaitPackets(pair, b, 2, 20_000);
  pair.send(b, pair.packet(b, a, 'B answers'));
  pair.advance(KEEPALIVE_TIMEOUT_MS + 100); // A, having sent nothing since, sends a keepalive
  pair.received(a); // what arrived during the capture is of no further interest

  const toB = pair.wire.filter((record) => record.receiver === 'B');
  const kinds = new Set<WireKind>(toB.map((record) => record.kind));
  for (const kind of ['initiation', 'response', 'cookie-reply', 'data', 'keepalive'] as const) {
    if (!kinds.has(kind)) {
      throw new Error(`capture incomplete: no ${kind} sent to B\n${pair.logs()}`);
    }
  }
  return { pair, toB: toB.map((record) => record.bytes) };
}

function largest(a: TableSizes, b: TableSizes): TableSizes {
  return {
    indices: Math.max(a.indices, b.indices),
    rateLimiterSources: Math.max(a.rateLimiterSources, b.rateLimiterSources),
    staged: Math.max(a.staged, b.staged),
  };
}

/**
 * Sends `options.messages` hostile datagrams to B and checks B after every batch; throws, naming the seed and the
 * batch, at the first broken invariant.
 */
export async function fuzzReceivePath(
  pair: EnginePair,
  captured: readonly Uint8Array[],
  options: FuzzOptions,
): Promise<FuzzReport> {
  const { a, b } = pair;
  const batchSize = options.batchSize ?? 128;
  const msPerBatch = options.msPerBatch ?? 2;
  const sources = Array.from({ length: options.sources ?? 16 }, (_, i) => `203.0.113.${i + 1}`);
  const prng = new Prng(options.seed);
  const messages = new FuzzMessages(prng, captured, b.publicKey, () => pair.clock.now());
  const repliesToAttacker: Partial<Record<WireKind, number>> = {};
  const attacker: MemoryBind = pair.network.createBind(sources[0]!);
  attacker.open(0);
  attacker.onDatagrams((batch) => {
    for (let i = 0; i < batch.count; i++) {
      const reply = batch.packet(i);
      const kind = classify(reply);
      repliesToAttacker[kind] = (repliesToAttacker[kind] ?? 0) + 1;
      if (kind === 'cookie-reply') {
        messages.offerCookieReply(reply.slice());
      }
    }
  });

  const peerC = pair.network.createBind('198.51.100.66');
  peerC.open(0);
  peerC.onDatagrams((batch) => {
    for (let i = 0; i < batch.count; i++) {
      if (classify(batch.packet(i)) === 'initiation') {
        messages.learnIndex(senderIndex(batch.packet(i)));
      }
    }
  });
  await pair.configure(b, [
    `public_key=${keyHex(publicKeyFromPrivate(generatePrivateKey()))}`,
    `endpoint=${peerC.endpoint.toString()}`,
    `allowed_ip=${PEER_C_ADDRESS}/32`,
  ]);

  const dropsBefore = INBOUND_DROPS.map((reason) => b.device.drops.get(reason));
  const peers = b.device.snapshot().peers.length;
  const bound = { indices: peers * 4, staged: peers * MAX_STAGED_PACKETS }; // a handshake and 3 sessions per peer
  let seen: TableSizes = tableSizes(b.device);
  let legitimateDelivered = 0;
  pair.recording = false;
  const batches = Math.ceil(options.messages / batchSize);
  for (let index = 0; index < batches; index++) {
    const fail = (what: string): never => {
      throw new Error(`fuzz seed ${options.seed}, batch ${index} of ${batches}: ${what}\n${b.log.warnings.join('\n')}`);
    };
    const count = Math.min(batchSize, options.messages - index * batchSize);
    const datagrams = Array.from({ length: count }, () => messages.next().bytes);
    try {
      attacker.send(PacketList.of(datagrams), b.bind.endpoint);
      pair.network.flush();
      pair.clock.advance(msPerBatch);
      pair.settle();
    } catch (error) {
      fail(`an exception escaped: ${(error as Error).stack ?? String(error)}`);
    }
    if (b.device.drops.get('internal') !== 0) {
      fail('the engine caught an internal error');
    }
    const forged = pair.received(b);
    if (forged.length > 0) {
      fail(`${forged.length} forged packet(s) reached the TUN`);
    }
    const sizes = tableSizes(b.device);
    seen = largest(seen, sizes);
    if (sizes.indices > bound.indices || sizes.rateLimiterSources > sources.length || sizes.staged > bound.staged) {
      fail(`tables grew: ${JSON.stringify(sizes)}`);
    }
    if (index % 64 === 0) {
      attacker.roam(prng.pick(sources));
      // B wants to talk to C: it stages the packet and (at most every REKEY_TIMEOUT) sends C an initiation.
      pair.send(b, udpPacket({ source: b.v4, destination: PEER_C_ADDRESS, payload: `for C ${index}` }));
    }
    if (index % 256 === 0) {
      pair.send(a, pair.packet(a, b, `legitimate ${index}`));
      const got = pair.received(b).map(udpText);
      if (got.length !== 1 || got[0] !== `legitimate ${index}`) {
        fail(`A's packet did not arrive during the fuzz (got ${JSON.stringify(got)})`);
      }
      legitimateDelivered++;
    }
  }
  pair.recording = true;
  attacker.close();
  peerC.close();
  const drops = INBOUND_DROPS.map((reason, i) => [reason, b.device.drops.get(reason) - dropsBefore[i]!] as const);
  return {
    messages: options.messages,
    counts: { ...messages.counts },
    drops: Object.fromEntries(drops),
    dropped: drops.reduce((sum, [, count]) => sum + count, 0),
    largest: seen,
    repliesToAttacker,
    legitimateDelivered,
  };
}
