import test from 'ava';
import { PacketBatch, PacketList, copyPackets, packetAt } from './packets.js';

test('a batch lays slots out with headroom in front and at least the tailroom behind', (t) => {
  const batch = new PacketBatch({ capacity: 4, maxPacket: 1420, headroom: 16, tailroom: 32 });
  t.is(batch.slotSize % 16, 0);
  t.true(batch.slotSize >= 16 + 1420 + 32);
  t.is(batch.data.length, batch.slotSize * 4);

  batch.append(new Uint8Array(1420).fill(1));
  batch.append(Uint8Array.of(9, 8, 7));
  t.is(batch.count, 2);
  t.is(batch.offsets[0], 16);
  t.is(batch.offsets[1], batch.slotSize + 16);
  t.deepEqual([...batch.packet(1)], [9, 8, 7]);
  // The headroom of packet 1 is untouched by packet 0's bytes.
  t.true(batch.data.subarray(batch.slotSize, batch.slotSize + 16).every((byte) => byte === 0));
});

test('a batch refuses a packet too large for a slot and a fifth packet in four slots', (t) => {
  const batch = new PacketBatch({ capacity: 4, maxPacket: 100 });
  t.throws(() => batch.append(new Uint8Array(101)), { instanceOf: RangeError });
  for (let i = 0; i < 4; i++) {
    batch.append(new Uint8Array(10));
  }
  t.throws(() => batch.append(new Uint8Array(1)), { message: /full/ });
  batch.clear();
  t.is(batch.count, 0);
  t.throws(() => batch.packet(0), { instanceOf: RangeError });
  t.throws(() => new PacketBatch({ capacity: 0, maxPacket: 1 }), { instanceOf: RangeError });
  t.throws(() => new PacketBatch({ capacity: 1, maxPacket: 1.5 }), { instanceOf: RangeError });
});

test('a packet list points into a buffer it does not own', (t) => {
  const data = Uint8Array.from({ length: 64 }, (_, i) => i);
  const list = new PacketList(2, data);
  list.push(10, 4);
  list.push(60, 4);
  t.deepEqual(
    copyPackets(list).map((packet) => [...packet]),
    [
      [10, 11, 12, 13],
      [60, 61, 62, 63],
    ],
  );
  t.throws(() => list.push(0, 1), { message: /full/ });
  list.reset();
  t.throws(() => list.push(61, 4), { message: /outside/ });
  t.throws(() => list.push(-1, 1), { instanceOf: RangeError });
  list.reset(new Uint8Array(8));
  list.push(0, 8);
  t.is(packetAt(list, 0).length, 8);
});

test('PacketList.of copies packets into one buffer', (t) => {
  const first = Uint8Array.of(1, 2);
  const list = PacketList.of([first, Uint8Array.of(3), new Uint8Array(0)]);
  first[0] = 99;
  t.is(list.count, 3);
  t.is(list.data.length, 3);
  t.deepEqual(
    copyPackets(list).map((packet) => [...packet]),
    [[1, 2], [3], []],
  );
  t.is(PacketList.of([]).count, 0);
});
