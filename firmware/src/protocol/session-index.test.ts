import test from 'ava';

import { type RandomSource } from '../crypto/random.js';
import { allocateIndex, randomIndex } from './session-index.js';

function sequence(...values: number[]): RandomSource {
  let next = 0;
  return {
    fill(target: Uint8Array): void {
      new DataView(target.buffer, target.byteOffset, target.byteLength).setUint32(
        0,
        values[next++] ?? 0xffffffff,
        true,
      );
    },
  };
}

test('random indices are 32-bit unsigned and vary', (t) => {
  const indices = Array.from({ length: 64 }, () => randomIndex());
  for (const index of indices) {
    t.true(Number.isInteger(index) && index >= 0 && index <= 0xffffffff);
  }
  t.true(new Set(indices).size > 60);
});

test('allocateIndex skips zero and taken indices', (t) => {
  const taken = new Set([7, 9]);
  t.is(
    allocateIndex((i) => taken.has(i), sequence(0, 7, 9, 0x8000_0001)),
    0x8000_0001,
  );
});

test('allocateIndex gives up loudly when every draw is taken', (t) => {
  t.throws(() => allocateIndex(() => true), { message: /no free session index/ });
});
