// Comparisons of secret-dependent bytes (MACs, tags, keys) must not leak where they first differ.
import { timingSafeEqual } from 'node:crypto';

/**
 * True when `a` and `b` hold the same bytes. The running time depends only on the lengths, which are public:
 * arrays of different lengths are simply unequal.
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) {
    return false;
  }
  return timingSafeEqual(a, b);
}

/** True when every byte is zero, without branching on the contents. */
export function isAllZero(bytes: Uint8Array): boolean {
  let accumulator = 0;
  for (let i = 0; i < bytes.length; i++) {
    accumulator |= bytes[i] as number;
  }
  return accumulator === 0;
}

/** Overwrites secrets once they are no longer needed. */
export function zero(...buffers: Uint8Array[]): void {
  for (const buffer of buffers) {
    buffer.fill(0);
  }
}
