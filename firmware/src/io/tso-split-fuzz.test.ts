// Fuzzing the TUN read split: valid super-packets with random damage (virtio header fields, gso_size, IP and TCP
// header bytes, truncated trains) into splitOffloadedRead. Nothing may throw; a dropped read leaves nothing in the
// batch; every packet it does produce fits its slot, and every segment of an undamaged TCP split carries valid
// checksums. BURROW_FUZZ_SEED=<seed> replays a run (BURROW_FUZZ_READS=<n> changes how many reads).
import { randomInt } from 'node:crypto';
import test from 'ava';
import { Prng } from '../engine/testing/prng.js';
import { PacketBatch, copyPackets } from './packets.js';
import { tcpChecksumValid, tcpSuperPacket } from './testing/super-packets.js';
import { splitOffloadedRead, VIRTIO_NET_HDR_LENGTH } from './tso-split.js';

const seed =
  process.env['BURROW_FUZZ_SEED'] === undefined ? randomInt(2 ** 32) : Number(process.env['BURROW_FUZZ_SEED']);
const READS = Number(process.env['BURROW_FUZZ_READS'] ?? 10_000);
const MAX_PACKET = 9000;

/** One read: a valid super-packet, then up to three kinds of damage. */
function hostileRead(prng: Prng): { read: Uint8Array; damaged: boolean } {
  const gsoSize = prng.pick([1, 7, 536, 1200, 1380, 1448, 8000, 65535, prng.between(1, 4000)]);
  const payload = new Uint8Array(prng.between(0, gsoSize < 100 ? 600 : 20_000));
  prng.fill(payload);
  let read: Uint8Array = tcpSuperPacket({
    version: prng.pick([4, 6] as const),
    payloadLength: payload.length,
    gsoSize,
    flags: prng.below(256),
    sequence: prng.uint32(),
    tcpOptions: 4 * prng.below(11),
    payload,
  }).read;
  let damaged = false;
  if (prng.below(2) === 0) {
    damaged = true;
    switch (prng.below(4)) {
      case 0: // a virtio header field
        read[prng.below(VIRTIO_NET_HDR_LENGTH)] = prng.below(256);
        break;
      case 1: // the IP or TCP header
        read[VIRTIO_NET_HDR_LENGTH + prng.below(Math.min(100, read.length - VIRTIO_NET_HDR_LENGTH))] = prng.below(256);
        break;
      case 2: // a truncated train
        read = read.subarray(0, prng.below(read.length));
        break;
      default: // anything anywhere
        for (let i = prng.between(1, 8); i > 0; i--) {
          read[prng.below(read.length)] = prng.below(256);
        }
    }
  }
  return { read, damaged };
}

test(`${READS} damaged TSO reads into the split (seed ${seed})`, (t) => {
  const prng = new Prng(seed);
  const out = new PacketBatch({ capacity: 16, maxPacket: MAX_PACKET, headroom: 16, tailroom: 32 });
  let produced: Uint8Array[] = [];
  const flush = (): void => {
    produced.push(...copyPackets(out));
    out.clear();
  };
  const outcomes = new Map<string, number>();
  let checked = 0;
  for (let n = 0; n < READS; n++) {
    const { read, damaged } = hostileRead(prng);
    produced = [];
    const dropped = splitOffloadedRead(read, 0, read.length, out, flush);
    outcomes.set(dropped ?? 'split', (outcomes.get(dropped ?? 'split') ?? 0) + 1);
    if (dropped !== undefined) {
      if (out.count !== 0 || produced.length !== 0) {
        t.fail(`read ${n} was dropped (${dropped}) but left packets behind`);
        return;
      }
      continue;
    }
    for (let i = 0; i < out.count; i++) {
      const offset = out.offsets[i]!;
      if (offset !== i * out.slotSize + out.headroom || out.lengths[i]! > MAX_PACKET) {
        t.fail(`read ${n}: packet ${i} is outside its slot`);
        return;
      }
    }
    flush();
    if (!damaged && !produced.every(tcpChecksumValid)) {
      t.fail(`read ${n}: a segment of an undamaged super-packet has a bad TCP checksum`);
      return;
    }
    checked += damaged ? 0 : produced.length;
  }
  t.log(`seed ${seed}:`, Object.fromEntries(outcomes), `${checked} segments checksum-checked`);
  t.true(checked > 0);
  t.true((outcomes.get('split') ?? 0) > 0 && outcomes.size > 2, 'both splits and drops happened');
});
