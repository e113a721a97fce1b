import test from 'ava';

import { deliverFilledBatch, deliverQueuedBatch, reportReadError } from './batch-delivery.js';
import { IoError } from './errors.js';
import { copyPackets, PacketBatch } from './packets.js';

const newBatch = (capacity = 2): PacketBatch => new PacketBatch({ capacity, maxPacket: 8 });
const failingHandler = (): never => {
  throw new Error('handler failed');
};

test('a filled batch reaches the handler with its count and is empty again afterwards', (t) => {
  const batch = newBatch();
  let seen = -1;
  deliverFilledBatch(batch, 2, (delivered) => (seen = delivered.count));
  t.is(seen, 2);
  t.is(batch.count, 0);
});

test('an empty or unhandled filled batch calls nothing and is still emptied', (t) => {
  const batch = newBatch();
  deliverFilledBatch(batch, 0, () => t.fail('an empty batch was delivered'));
  deliverFilledBatch(batch, 2, undefined);
  t.is(batch.count, 0);
});

test('a batch is emptied even when its handler throws', (t) => {
  const batch = newBatch();
  t.throws(() => deliverFilledBatch(batch, 1, failingHandler), { message: 'handler failed' });
  t.is(batch.count, 0);
  t.throws(() => deliverQueuedBatch([Uint8Array.of(1)], batch, (item) => batch.append(item), failingHandler), {
    message: 'handler failed',
  });
  t.is(batch.count, 0);
});

test('a queued batch takes at most its capacity, oldest first, and leaves the rest queued', (t) => {
  const batch = newBatch(2);
  const queue = [Uint8Array.of(1), Uint8Array.of(2), Uint8Array.of(3)];
  const delivered: number[][] = [];
  const handle = (full: PacketBatch): number => delivered.push(copyPackets(full).map((packet) => packet[0] ?? -1));
  deliverQueuedBatch(queue, batch, (item) => batch.append(item), handle);
  t.deepEqual(delivered, [[1, 2]]);
  t.is(queue.length, 1);
  deliverQueuedBatch(queue, batch, (item) => batch.append(item), handle);
  t.deepEqual(delivered, [[1, 2], [3]]);
  t.is(queue.length, 0);
});

test('a read error goes to its handler, or is thrown when there is none', (t) => {
  const failure = new IoError('EBADFD', 'read', 'read tun0: EBADFD');
  let handled: IoError | undefined;
  reportReadError(failure, (error) => (handled = error));
  t.is(handled, failure);
  t.is(
    t.throws(() => reportReadError(failure, undefined)),
    failure,
  );
});
