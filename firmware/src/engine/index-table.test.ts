import test from 'ava';
import type { RandomSource } from '../crypto/random.js';
import { IndexTable } from './index-table.js';

/** Returns the given 32-bit values in turn, so collisions can be forced. */
function scriptedRandom(values: number[]): RandomSource {
  return {
    fill(target) {
      new DataView(target.buffer, target.byteOffset, target.byteLength).setUint32(0, values.shift() ?? 0, true);
    },
  };
}

test('indices are unique even when the random source repeats itself', (t) => {
  const table = new IndexTable<string>(scriptedRandom([7, 7, 7, 9]));
  t.is(table.insert('a'), 7);
  t.is(table.insert('b'), 9);
  t.is(table.lookup(7), 'a');
  t.is(table.lookup(9), 'b');
});

test('replace, update and delete', (t) => {
  const table = new IndexTable<string>(scriptedRandom([1, 2]));
  const first = table.insert('handshake');
  const second = table.replace(first, 'handshake again');
  t.is(table.lookup(first), undefined);
  table.update(second, 'keypair');
  t.is(table.lookup(second), 'keypair');
  table.update(12345, 'ghost');
  t.is(table.lookup(12345), undefined);
  table.delete(second);
  t.is(table.size, 0);
});
