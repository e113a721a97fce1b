import test from 'ava';
import { DeviceByteTotals, parseDeviceCounts, readDeviceCounts } from './device-counters.js';
import { COUNTER_SET_SIZE } from './lan-device-rules.js';
import { ExecError, type Executor } from './exec.js';

/** `nft -j list table inet burrow` with the counting sets holding these elements (as nft 1.0.6 prints them). */
function listing(tx: Record<string, number>, rx: Record<string, number> = {}): string {
  const elements = (counts: Record<string, number>) =>
    Object.entries(counts).map(([val, bytes]) => ({ elem: { val, counter: { packets: 1, bytes } } }));
  const v4 = Object.fromEntries(Object.entries(rx).filter(([ip]) => !ip.includes(':')));
  const v6 = Object.fromEntries(Object.entries(rx).filter(([ip]) => ip.includes(':')));
  return JSON.stringify({
    nftables: [
      { metainfo: { version: '1.0.6' } },
      { table: { family: 'inet', name: 'burrow' } },
      { set: { family: 'inet', name: 'dev_direct', type: 'ether_addr', elem: ['02:00:00:00:00:0d'] } },
      { set: { family: 'inet', name: 'dev_tx', type: 'ether_addr', size: 4096, elem: elements(tx) } },
      { set: { family: 'inet', name: 'dev_rx_v4', type: 'ipv4_addr', size: 4096, elem: elements(v4) } },
      { set: { family: 'inet', name: 'dev_rx_v6', type: 'ipv6_addr', size: 4096, elem: elements(v6) } },
    ],
  });
}

test('counts by MAC and by address from the counting sets only; junk elements skipped', (t) => {
  const counts = parseDeviceCounts(
    listing({ '02:B7:64:08:00:01': 1500, 'not-a-mac': 7 }, { '100.64.8.101': 9000, 'fd08:0::100:1': 300 }),
  );
  t.deepEqual([...counts.tx], [['02:b7:64:08:00:01', 1500]]);
  t.deepEqual(
    [...counts.rx],
    [
      ['100.64.8.101', 9000],
      ['fd08::100:1', 300],
    ],
  );
  t.deepEqual(parseDeviceCounts('{"nftables":[{"set":{"name":"dev_tx"}}]}').tx.size, 0, 'a set without elements');
});

/** An executor that answers `nft -j list` with the next listing; `failApply` makes the next `nft -f -` fail. */
function fakeNft(listings: string[]): Executor & { applies: number } {
  const fake = {
    applies: 0,
    run(argv: readonly string[]) {
      if (argv.includes('-f')) {
        fake.applies += 1;
        return Promise.resolve({ stdout: '', stderr: '', code: 0 });
      }
      const next = listings.shift();
      if (next === undefined) {
        return Promise.reject(
          new ExecError('exit', argv, 1, null, 'Error: No such file or directory', 'nft: no table'),
        );
      }
      return Promise.resolve({ stdout: next, stderr: '', code: 0 });
    },
  };
  return fake;
}

test('counts stay cumulative across re-renders: read before each replace, added once it succeeded', async (t) => {
  const mac = '02:b7:64:08:00:01';
  const nft = fakeNft([listing({ [mac]: 100 }, { '100.64.8.101': 1000 }), listing({ [mac]: 40 })]);
  const totals = new DeviceByteTotals();
  const replace = () => nft.run(['nft', '-f', '-']);

  await totals.replacing(nft, replace); // the first table had counted 100 / 1000
  await totals.replacing(nft, replace); // the second one 40 more
  const now = totals.total(parseDeviceCounts(listing({ [mac]: 2 }, { '100.64.8.101': 5 })));
  t.is(now.tx.get(mac), 142);
  t.is(now.rx.get('100.64.8.101'), 1005);
  t.is(nft.applies, 2);

  // A refused table: the old one keeps counting, so what was read is not added (it would count twice).
  const refusing = fakeNft([listing({ [mac]: 500 })]);
  await t.throwsAsync(
    totals.replacing(refusing, () => Promise.reject(new Error('nft refused'))),
    { message: 'nft refused' },
  );
  t.is(totals.total(parseDeviceCounts(listing({}))).tx.get(mac), 140);

  // No table yet (first start): nothing to carry, and the replace still happens.
  const empty = fakeNft([]);
  await totals.replacing(empty, () => empty.run(['nft', '-f', '-']));
  t.is(empty.applies, 1);
  t.is(totals.total(parseDeviceCounts(listing({}))).tx.get(mac), 140);

  totals.clear();
  t.is(totals.total(parseDeviceCounts(listing({}))).tx.size, 0, 'a factory reset forgets the counts');
});

test('a flood of made-up MACs and addresses across many re-renders keeps the carried counts bounded', (t) => {
  const totals = new DeviceByteTotals();
  const real = '02:b7:64:08:00:01';
  // Each table's sets fill up with spoofed devices (a few bytes each), then a re-render carries them over.
  for (let table = 0; table < 5; table += 1) {
    const tx = new Map<string, number>([[real, 1_000_000]]);
    const rx = new Map<string, number>([['100.64.8.101', 2_000_000]]);
    for (let index = 0; index < COUNTER_SET_SIZE; index += 1) {
      const n = table * COUNTER_SET_SIZE + index;
      tx.set(
        `06:00:00:${[n >> 16, (n >> 8) & 0xff, n & 0xff].map((byte) => byte.toString(16).padStart(2, '0')).join(':')}`,
        60,
      );
      rx.set(`fd08::${n.toString(16)}`, 60);
    }
    totals.add({ tx, rx });
  }
  const now = totals.total({ tx: new Map(), rx: new Map() });
  t.true(now.tx.size <= COUNTER_SET_SIZE, `tx keeps ${now.tx.size} keys`);
  t.true(now.rx.size <= 2 * COUNTER_SET_SIZE, `rx keeps ${now.rx.size} keys`);
  // The busiest devices are the ones kept: the household's, not a flood's few bytes each.
  t.is(now.tx.get(real), 5_000_000);
  t.is(now.rx.get('100.64.8.101'), 10_000_000);
});

test('reading a missing table counts nothing; other nft failures throw', async (t) => {
  t.is((await readDeviceCounts(fakeNft([]))).tx.size, 0);
  const broken: Executor = {
    run: (argv) => Promise.reject(new ExecError('exit', argv, 1, null, 'Error: Operation not permitted', 'nft failed')),
  };
  await t.throwsAsync(readDeviceCounts(broken));
});
