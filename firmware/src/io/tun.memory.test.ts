import test from 'ava';
import { IoError } from './errors.js';
import { PacketList, copyPackets } from './packets.js';
import { TUN_HEADROOM, TUN_TAILROOM } from './tun.js';
import { MemoryTun } from './tun.memory.js';

const ipv4 = (marker: number, length = 20): Uint8Array => {
  const packet = new Uint8Array(length);
  packet[0] = 0x45;
  packet[length - 1] = marker;
  return packet;
};
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test('injected packets arrive later, together in one batch laid out like the kernel device', async (t) => {
  const tun = new MemoryTun();
  const batches: number[][] = [];
  tun.onPackets((batch) => {
    for (let i = 0; i < batch.count; i++) {
      const offset = batch.offsets[i] ?? 0;
      t.is((offset - TUN_HEADROOM) % batch.slotSize, 0);
      t.true(offset - TUN_HEADROOM + batch.slotSize >= offset + (batch.lengths[i] ?? 0) + TUN_TAILROOM);
    }
    batches.push(copyPackets(batch).map((packet) => packet.at(-1) ?? -1));
  });
  tun.inject(ipv4(1), ipv4(2));
  tun.inject(ipv4(3, 1420));
  t.deepEqual(batches, [], 'not delivered re-entrantly');
  await tick();
  t.deepEqual(batches, [[1, 2, 3]]);
});

test('more packets than a batch holds come in several batches, in order', async (t) => {
  const tun = new MemoryTun({ batchSize: 4 });
  const batches: number[][] = [];
  tun.onPackets((batch) => batches.push(copyPackets(batch).map((packet) => packet.at(-1) ?? -1)));
  tun.inject(...Array.from({ length: 10 }, (_, i) => ipv4(i)));
  await tick();
  t.deepEqual(batches, [
    [0, 1, 2, 3],
    [4, 5, 6, 7],
    [8, 9],
  ]);
});

test('packets wait for a handler, the queue drops past its limit, and flush delivers now', (t) => {
  const tun = new MemoryTun({ queueLimit: 3 });
  tun.inject(ipv4(1), ipv4(2), ipv4(3), ipv4(4));
  t.is(tun.queued, 3);
  t.is(tun.dropped, 1);
  const seen: number[] = [];
  tun.onPackets((batch) => seen.push(...copyPackets(batch).map((packet) => packet.at(-1) ?? -1)));
  tun.flush();
  t.deepEqual(seen, [1, 2, 3]);
  t.is(tun.queued, 0);
});

test('the batch passed to the handler is reused: its contents are only valid during the call', async (t) => {
  const tun = new MemoryTun();
  const kept: Array<{ count: number }> = [];
  tun.onPackets((batch) => kept.push(batch));
  tun.inject(ipv4(1));
  await tick();
  tun.inject(ipv4(2));
  await tick();
  t.is(kept.length, 2);
  t.is(kept[0], kept[1]);
  t.is(kept[0]?.count, 0);
});

test('written packets are copied out; packets that are not IP are dropped; a closed device refuses writes', (t) => {
  const tun = new MemoryTun();
  const packet = ipv4(7);
  const list = PacketList.of([packet, Uint8Array.of(0x00, 1, 2), ipv4(8)]);
  t.is(tun.writePackets(list), 2);
  list.data.fill(0);
  t.deepEqual(
    tun.takeWritten().map((written) => written.at(-1)),
    [7, 8],
  );
  t.deepEqual(tun.takeWritten(), []);
  t.is(tun.rejected, 1);

  tun.close();
  const error = t.throws(() => tun.writePackets(list), { instanceOf: IoError });
  t.is(error?.code, 'EBADF');
  tun.inject(ipv4(9));
  t.is(tun.queued, 0);
});

test('a simulated read failure reaches onError and stops reading', async (t) => {
  const tun = new MemoryTun();
  let delivered = 0;
  tun.onPackets(() => delivered++);
  const failure = new Promise<IoError>((resolve) => tun.onError(resolve));
  tun.fail('EBADFD');
  tun.inject(ipv4(1));
  t.is((await failure).code, 'EBADFD');
  await tick();
  t.is(delivered, 0);
});
