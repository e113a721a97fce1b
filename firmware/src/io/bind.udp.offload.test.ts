// The UDP offloads of the kernel bind: GSO trains on send, GRO trains split on receive, the fallbacks when the kernel
// or the route refuses them, and a seeded fuzz of train sizes (BURROW_FUZZ_SEED=<seed> replays one).
import { randomBytes, randomInt } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import test from 'ava';
import { UdpBind } from './bind.udp.js';
import { Endpoint } from './endpoint.js';
import { PacketList } from './packets.js';
import { collectDatagrams } from './testing/collect.js';
import { createTestNetns, kernelTestsUnavailable, testInterfaceName } from './testing/netns.js';

const noKernel = kernelTestsUnavailable();
const rootTest = noKernel === undefined ? test : test.skip;
const rootTitle = (title: string): string => (noKernel === undefined ? title : `${title} (skipped: ${noKernel})`);

function openBind(t: { teardown(fn: () => void): void }, options?: ConstructorParameters<typeof UdpBind>[0]): UdpBind {
  const bind = new UdpBind(options);
  t.teardown(() => bind.close());
  bind.open(0);
  return bind;
}

/** `count` random datagrams of `size` bytes, the last `last` bytes long. */
function train(count: number, size: number, last = size): Uint8Array[] {
  return Array.from({ length: count }, (_, i) => randomBytes(i === count - 1 ? last : size));
}

const hex = (data: Uint8Array): string => Buffer.from(data).toString('hex');

/** What a bind's handler saw: each datagram, and where it lay in the batch memory. */
function collectWithOffsets(bind: UdpBind): { data: string; offset: number }[] {
  const seen: { data: string; offset: number }[] = [];
  bind.onDatagrams((batch) => {
    for (let i = 0; i < batch.count; i++) {
      seen.push({ data: hex(batch.packet(i)), offset: batch.offsets[i] ?? -1 });
    }
  });
  return seen;
}

async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

test('both offloads are on by default where the kernel has them, and the socket buffers are large', (t) => {
  const stats = openBind(t).stats();
  t.true(stats.gso);
  t.true(stats.gro);
  t.is(stats.truncated, 0);
  // SO_RCVBUFFORCE as root; otherwise whatever net.core.rmem_max allows (the kernel doubles what it was given).
  t.true(stats.receiveBuffer >= (process.getuid?.() === 0 ? 7 << 20 : 1));
  t.true(stats.sendBuffer >= (process.getuid?.() === 0 ? 7 << 20 : 1));
  t.deepEqual([openBind(t, { gso: false }).stats().gso, openBind(t, { gro: false }).stats().gro], [false, false]);
  t.false(openBind(t, { maxDatagram: 2000 }).stats().gro, 'no GRO by default when a train may not fit a slot');
});

test('a GSO train of equal datagrams arrives as separate datagrams at a plain socket', async (t) => {
  const sender = openBind(t);
  const plain: Socket = createSocket('udp4');
  t.teardown(() => plain.close());
  await new Promise<void>((resolve) => plain.bind(0, '127.0.0.1', resolve));
  const got: string[] = [];
  plain.on('message', (message) => got.push(hex(message)));
  const sent = [...train(10, 1200, 700), ...train(3, 80)];

  t.is(sender.send(PacketList.of(sent), Endpoint.of('127.0.0.1', plain.address().port)), 13);

  await until(() => got.length >= 13, '13 datagrams');
  t.deepEqual(got, sent.map(hex));
  t.true(sender.stats().gso);
});

for (const [family, host] of [
  ['IPv4', '127.0.0.1'],
  ['IPv6', '::1'],
] as const) {
  test(`a GRO train over ${family} is split into its datagrams, intact and in order, inside one slot`, async (t) => {
    const sender = openBind(t);
    const receiver = openBind(t);
    const seen = collectWithOffsets(receiver);
    const sent = train(10, 1452, 1000);

    t.is(sender.send(PacketList.of(sent), Endpoint.of(host, receiver.port ?? 0)), 10);

    await until(() => seen.length >= 10, '10 datagrams');
    t.deepEqual(
      seen.map((item) => item.data),
      sent.map(hex),
    );
    // Coalesced: datagram k sits k segments into the train's slot, which only the split puts there.
    const first = seen[0]?.offset ?? -1;
    t.deepEqual(
      seen.map((item) => item.offset - first),
      sent.map((_, k) => k * 1452),
    );
  });
}

test('without GSO or GRO the same train still arrives whole, one datagram per slot', async (t) => {
  for (const [gso, gro] of [
    [false, true],
    [true, false],
  ] as const) {
    const sender = openBind(t, { gso });
    const receiver = openBind(t, { gro });
    const seen = collectWithOffsets(receiver);
    const sent = train(10, 1452, 1000);
    t.is(sender.send(PacketList.of(sent), Endpoint.of('127.0.0.1', receiver.port ?? 0)), 10);
    await until(() => seen.length >= 10, '10 datagrams');
    t.deepEqual(
      seen.map((item) => item.data),
      sent.map(hex),
    );
    const slot = 65536;
    t.true(
      seen.every((item, k) => k === 0 || item.offset - (seen[k - 1]?.offset ?? 0) === slot),
      `gso ${gso}, gro ${gro}: every datagram in a slot of its own`,
    );
  }
});

test('a train larger than a slot is dropped whole and counted; smaller ones around it get through', async (t) => {
  const sender = openBind(t);
  const receiver = openBind(t, { maxDatagram: 3000, gro: true });
  const received = collectDatagrams(receiver);
  const small = train(2, 1000, 500);

  sender.send(PacketList.of(train(10, 1000)), Endpoint.of('127.0.0.1', receiver.port ?? 0));
  sender.send(PacketList.of(small), Endpoint.of('127.0.0.1', receiver.port ?? 0));

  const items = await received.until(2);
  t.deepEqual(
    items.map((item) => hex(item.data)),
    small.map(hex),
  );
  t.is(receiver.stats().truncated, 1);
});

rootTest(rootTitle('a train the route cannot segment (segments over its MTU) goes again, plainly'), async (t) => {
  // Segments must fit the route's MTU (EINVAL, or EMSGSIZE on newer kernels); plain datagrams that do not are fragmented. (EIO, the kernel saying
  // there is no GSO on a path at all, turns GSO off for the socket; since Linux 6.11 only IPsec routes say it.)
  const ns = await createTestNetns(t);
  const tun = testInterfaceName();
  await ns.ip('tuntap', 'add', 'mode', 'tun', 'name', tun);
  await ns.ip('link', 'set', tun, 'mtu', '1280', 'up');
  await ns.ip('addr', 'add', '10.77.0.1/24', 'dev', tun);
  const bind = openBind(t, { netns: ns.path });

  t.is(bind.send(PacketList.of(train(10, 1400)), Endpoint.of('10.77.0.2', 51820)), 10);
  t.true(bind.stats().gso, 'GSO stays on for trains that fit');
  t.is(bind.send(PacketList.of(train(10, 1000)), Endpoint.of('10.77.0.2', 51820)), 10);
});

const seed =
  process.env['BURROW_FUZZ_SEED'] === undefined ? randomInt(2 ** 32) : Number(process.env['BURROW_FUZZ_SEED']);

test(`random trains, sizes and slot sizes through GSO and GRO (seed ${seed})`, async (t) => {
  let state = seed >>> 0;
  const below = (n: number): number => {
    // mulberry32: reproducible from the seed in the title
    state = (state + 0x6d2b79f5) >>> 0;
    let z = Math.imul(state ^ (state >>> 15), 1 | state);
    z = (z + Math.imul(z ^ (z >>> 7), 61 | z)) ^ z;
    return ((z ^ (z >>> 14)) >>> 0) % n;
  };
  const sender = openBind(t);
  const wide = openBind(t);
  const narrow = openBind(t, { maxDatagram: 4000, gro: true });
  const atWide = collectWithOffsets(wide);
  const atNarrow = collectWithOffsets(narrow);
  const wantWide: string[] = [];
  const wantNarrow: string[] = [];
  let trains = 0;

  for (let round = 0; round < 200; round++) {
    const size = below(4) === 0 ? 1 + below(64) : 1 + below(1500);
    const count = 1 + below(Math.min(64, Math.floor(65_507 / size)));
    const datagrams = train(count, size, 1 + below(size));
    const list = PacketList.of(datagrams);
    t.is(sender.send(list, Endpoint.of('127.0.0.1', wide.port ?? 0)), count);
    wantWide.push(...datagrams.map(hex));
    t.is(sender.send(list, Endpoint.of('::1', narrow.port ?? 0)), count);
    // The narrow bind keeps what fits a 4000-byte slot: a single datagram, or a train the kernel hands over whole.
    const total = datagrams.reduce((sum, d) => sum + d.length, 0);
    if (count === 1 || total <= 4000) {
      wantNarrow.push(...datagrams.map(hex));
    } else {
      trains++;
    }
    if (round % 20 === 19) {
      await until(() => atWide.length >= wantWide.length, 'the wide bind to catch up');
    }
  }
  await until(() => atWide.length >= wantWide.length && atNarrow.length >= wantNarrow.length, 'every datagram');
  await new Promise((resolve) => setTimeout(resolve, 20));
  t.deepEqual(
    atWide.map((item) => item.data),
    wantWide,
  );
  t.deepEqual(
    atNarrow.map((item) => item.data),
    wantNarrow,
  );
  t.is(narrow.stats().truncated, trains);
  t.is(wide.stats().truncated, 0);
});
