// The TUN write side's TCP coalescing (native/tun_gro.c) through the addon's device-free coalesce(): runs of a
// flow's segments become one super-packet that splits back (tso-split.ts, independent code) into exactly those
// segments, with a partial checksum the kernel completes to a valid one; anything unfit is written alone, as it is.
// The fuzz test at the end throws hostile lists at it. BURROW_FUZZ_SEED=<seed> replays a run.
import { randomInt } from 'node:crypto';
import test from 'ava';
import { Prng } from '../engine/testing/prng.js';
import { loadTunAddon } from './native.js';
import { copyPackets, PacketBatch, PacketList } from './packets.js';
import { internetChecksum } from './testing/ip-packets.js';
import { tcpChecksumValid, tcpSuperPacket } from './testing/super-packets.js';
import {
  splitOffloadedRead,
  VIRTIO_NET_HDR_F_NEEDS_CSUM,
  VIRTIO_NET_HDR_GSO_NONE,
  VIRTIO_NET_HDR_GSO_TCPV4,
  VIRTIO_NET_HDR_GSO_TCPV6,
  VIRTIO_NET_HDR_LENGTH,
} from './tso-split.js';

const tun = loadTunAddon();
const TCP_PSH = 0x08;
const TCP_ACK = 0x10;
const TCP_FIN = 0x01;

/** The segments a TSO super-packet of this shape splits into: what the engine would decrypt, in order. */
function segments(options: Parameters<typeof tcpSuperPacket>[0]): Uint8Array[] {
  const { read } = tcpSuperPacket(options);
  return splitRead(read);
}

function splitRead(read: Uint8Array): Uint8Array[] {
  const batch = new PacketBatch({ capacity: 128, maxPacket: 9000 });
  const out: Uint8Array[] = [];
  const dropped = splitOffloadedRead(read, 0, read.length, batch, () => {
    out.push(...copyPackets(batch));
    batch.clear();
  });
  if (dropped !== undefined) {
    throw new Error(`does not split: ${dropped}`);
  }
  return [...out, ...copyPackets(batch)];
}

interface Frame {
  readonly gsoType: number;
  readonly packet: Uint8Array;
  readonly read: Uint8Array;
}

/** coalesce() on copies of `packets`, as frames. */
function coalesce(packets: readonly Uint8Array[]): Frame[] {
  const list = PacketList.of(packets.map((packet) => packet.slice()));
  const { frames, lengths } = tun.coalesce(list.data, list.offsets, list.lengths, list.count);
  const out: Frame[] = [];
  let at = 0;
  for (const length of lengths) {
    const read = Uint8Array.from(frames.subarray(at, at + length));
    out.push({ gsoType: read[1]!, packet: read.subarray(VIRTIO_NET_HDR_LENGTH), read });
    at += length;
  }
  return out;
}

function split(frame: Frame): Uint8Array[] {
  return splitRead(frame.read);
}

/** What the kernel does with NEEDS_CSUM: sums from csum_start to the end, the field included, and stores it. */
function completedChecksumValid(frame: Frame): boolean {
  const packet = frame.packet.slice();
  const view = new DataView(frame.read.buffer, frame.read.byteOffset);
  const csumStart = view.getUint16(6, true);
  const field = csumStart + view.getUint16(8, true);
  const checksum = internetChecksum(packet, csumStart, packet.length);
  packet[field] = checksum >>> 8;
  packet[field + 1] = checksum & 0xff;
  return tcpChecksumValid(packet);
}

for (const version of [4, 6] as const) {
  test(`IPv${version}: a flow's segments become one super-packet that splits back into exactly them`, (t) => {
    const original = segments({
      version,
      payloadLength: 40_000,
      gsoSize: 1380,
      flags: TCP_ACK | TCP_PSH,
      tcpOptions: 12,
    });
    t.is(original.length, 29);
    const frames = coalesce(original);
    t.is(frames.length, 1);
    const [frame] = frames as [Frame];
    t.is(frame.gsoType, version === 4 ? VIRTIO_NET_HDR_GSO_TCPV4 : VIRTIO_NET_HDR_GSO_TCPV6);
    t.is(frame.read[0], VIRTIO_NET_HDR_F_NEEDS_CSUM);
    t.deepEqual(split(frame), original);
    t.true(completedChecksumValid(frame), 'the partial checksum completes to a valid one');
  });
}

test('a run stops at 64 KB, at a short segment and at PSH, and each piece still splits back', (t) => {
  // 80 full segments in a row: two TSO reads' worth, the second continuing the first's sequence and IPv4 IDs.
  const half = { version: 4, payloadLength: 1448 * 40, gsoSize: 1448, flags: TCP_ACK } as const;
  const first = [
    ...segments({ ...half, sequence: 1, id: 0 }),
    ...segments({ ...half, sequence: 1 + 1448 * 40, id: 40 }),
  ];
  const frames = coalesce(first);
  t.true(frames.length >= 2, 'more than 64 KB is more than one super-packet');
  t.true(frames.every((frame) => frame.packet.length <= 65535));
  t.deepEqual(frames.flatMap(split), first);

  // Consecutive sequence numbers and IPv4 IDs across the two, so only the PSH can end the first run.
  const shape = { version: 4, payloadLength: 1448 * 3, gsoSize: 1448 } as const;
  const pushed = segments({ ...shape, flags: TCP_ACK | TCP_PSH, sequence: 1, id: 10 });
  const after = segments({ ...shape, flags: TCP_ACK, sequence: 1 + 1448 * 3, id: 13 });
  t.is(coalesce([...after, ...segments({ ...shape, flags: TCP_ACK, sequence: 1 + 1448 * 6, id: 16 })]).length, 1);
  const pushedFrames = coalesce([...pushed, ...after]);
  t.is(pushedFrames.length, 2, 'PSH ends a run');
  t.deepEqual(pushedFrames.flatMap(split), [...pushed, ...after]);
});

test('interleaved flows become one super-packet each, and each flow keeps its order', (t) => {
  const a = segments({ version: 4, payloadLength: 1380 * 6, gsoSize: 1380, flags: TCP_ACK, sequence: 100 });
  const b = segments({ version: 6, payloadLength: 1380 * 6, gsoSize: 1380, flags: TCP_ACK, sequence: 900 });
  const mixed = a.flatMap((packet, i) => [packet, b[i]!]);
  const frames = coalesce(mixed);
  t.is(frames.length, 2);
  t.deepEqual(split(frames[0]!), a);
  t.deepEqual(split(frames[1]!), b);
});

test('segments unfit to join are written alone and as they are: bad checksum, FIN, a gap, not TCP', (t) => {
  const run = segments({ version: 4, payloadLength: 1200 * 8, gsoSize: 1200, flags: TCP_ACK | TCP_FIN, sequence: 7 });
  const badChecksum = run[2]!.slice();
  badChecksum[60] = badChecksum[60]! ^ 0xff; // payload byte
  const withBad = [run[0]!, run[1]!, badChecksum, run[3]!];
  const frames = coalesce(withBad);
  t.is(frames.length, 3, 'the run before, the bad one alone, then a new run of one');
  t.deepEqual(split(frames[0]!), [run[0]!, run[1]!]);
  t.is(frames[1]!.gsoType, VIRTIO_NET_HDR_GSO_NONE);
  t.deepEqual(frames[1]!.packet, badChecksum);
  t.deepEqual(frames[2]!.packet, run[3]);

  const fin = run.at(-1)!;
  t.true((fin[33]! & TCP_FIN) !== 0);
  const finFrames = coalesce(run);
  t.deepEqual(finFrames.at(-1)!.packet, fin, 'the FIN segment alone, after the run before it');
  t.deepEqual(finFrames.slice(0, -1).flatMap(split), run.slice(0, -1));

  const gap = coalesce([run[0]!, run[2]!]);
  t.is(gap.length, 2);
  t.deepEqual(
    gap.map((frame) => frame.packet),
    [run[0], run[2]],
  );

  const udp = Uint8Array.from(run[0]!);
  udp[9] = 17;
  const notTcp = coalesce([udp, udp]);
  t.deepEqual(
    notTcp.map((frame) => frame.gsoType),
    [VIRTIO_NET_HDR_GSO_NONE, VIRTIO_NET_HDR_GSO_NONE],
  );
});

const seed =
  process.env['BURROW_FUZZ_SEED'] === undefined ? randomInt(2 ** 32) : Number(process.env['BURROW_FUZZ_SEED']);

test(`fuzz: every packet is written exactly once, unchanged or inside a super-packet that splits back (seed ${seed})`, (t) => {
  const prng = new Prng(seed);
  let superPackets = 0;
  for (let list = 0; list < 300; list++) {
    const flows = Array.from({ length: prng.between(1, 4) }, () =>
      segments({
        version: prng.pick([4, 6] as const),
        payloadLength: prng.between(0, 30_000),
        gsoSize: prng.pick([1, 536, 1200, 1380, 1448, prng.between(1, 3000)]),
        flags: prng.pick([TCP_ACK, TCP_ACK | TCP_PSH, TCP_ACK | TCP_FIN, prng.below(256)]),
        sequence: prng.uint32(),
        tcpOptions: 4 * prng.below(4),
      }).slice(0, 200),
    );
    const packets: Uint8Array[] = [];
    while (flows.some((flow) => flow.length > 0)) {
      const flow = prng.pick(flows.filter((f) => f.length > 0));
      const packet = flow.shift()!;
      switch (prng.below(12)) {
        case 0: // a damaged byte anywhere
          packet[prng.below(packet.length)] = prng.below(256);
          break;
        case 1: // cut short
          packets.push(packet.subarray(0, prng.below(packet.length + 1)));
          continue;
        case 2: // duplicated
          packets.push(packet.slice());
          break;
        default:
      }
      packets.push(packet);
    }
    const remaining = new Map<string, number>();
    for (const packet of packets) {
      const key = Buffer.from(packet).toString('hex');
      remaining.set(key, (remaining.get(key) ?? 0) + 1);
    }
    for (const frame of coalesce(packets)) {
      const written = frame.gsoType === VIRTIO_NET_HDR_GSO_NONE ? [frame.packet] : split(frame);
      superPackets += written.length > 1 ? 1 : 0;
      if (frame.gsoType !== VIRTIO_NET_HDR_GSO_NONE && !completedChecksumValid(frame)) {
        t.fail(`list ${list}: a super-packet's partial checksum does not complete`);
      }
      for (const packet of written) {
        const key = Buffer.from(packet).toString('hex');
        const left = remaining.get(key) ?? 0;
        if (left === 0) {
          t.fail(`list ${list}: wrote a packet that was not given (or twice)`);
          return;
        }
        remaining.set(key, left - 1);
      }
    }
    const missing = [...remaining.values()].reduce((sum, left) => sum + left, 0);
    if (missing !== 0) {
      t.fail(`list ${list}: ${missing} packet(s) never written`);
      return;
    }
  }
  t.true(superPackets > 100, `the lists were coalescable enough to test anything (${superPackets} super-packets)`);
});
