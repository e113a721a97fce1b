// The receive-side replay filter: an RFC 6479 sliding window over transport counters, in a ring of 32-bit blocks.
//
//          ring (REPLAY_RING_BITS bits = BLOCKS blocks of 32)
//   ┌────────┬────────┬─────┬────────┐
//   │ block0 │ block1 │ ... │ blockN │   bit (c mod 32) of block ((c / 32) mod BLOCKS) records counter c
//   └────────┴────────┴─────┴────────┘
//   accepted: last − WINDOW_SIZE ≤ c, c not yet seen, c < REJECT_AFTER_MESSAGES
//
// Moving forward clears only the blocks that the new highest counter skips over, so each step costs O(1) on
// average. One block of the ring is kept spare so the oldest in-window counter never shares a block with the
// newest. Counters are 64-bit; they travel as two 32-bit halves so the data path needs no bigint.
import { REJECT_AFTER_MESSAGES, REPLAY_RING_BITS } from './constants.js';

const BLOCK_BITS = 32;
const BLOCK_SHIFT = 5;
const BLOCKS = REPLAY_RING_BITS / BLOCK_BITS;
const BLOCK_MASK = BLOCKS - 1;
const TWO_POW_32 = 0x1_0000_0000;
const TWO_POW_27 = TWO_POW_32 / BLOCK_BITS;

/** How far behind the highest counter seen a counter may be and still be accepted (8160). */
export const REPLAY_WINDOW_SIZE = REPLAY_RING_BITS - BLOCK_BITS;

const REJECT_HIGH = Number(REJECT_AFTER_MESSAGES >> 32n);
const REJECT_LOW = Number(REJECT_AFTER_MESSAGES & 0xffff_ffffn);

/** True when the 64-bit counter (high, low) is at or beyond REJECT_AFTER_MESSAGES. */
export function isCounterBeyondLimit(low: number, high: number): boolean {
  return high > REJECT_HIGH || (high === REJECT_HIGH && low >= REJECT_LOW);
}

/** A fresh window accepts every counter once; the zero state is ready to use. */
export class ReplayWindow {
  private readonly ring = new Uint32Array(BLOCKS);
  private lastLow = 0;
  private lastHigh = 0;

  /** Forgets everything (for a new keypair). */
  reset(): void {
    this.ring.fill(0);
    this.lastLow = 0;
    this.lastHigh = 0;
  }

  /**
   * Records counter (high·2^32 + low) and returns true if it is new and inside the window, false if it is a
   * duplicate, too old, or at or beyond REJECT_AFTER_MESSAGES. Call it only after the message authenticated,
   * or a forger could move the window.
   */
  accept(low: number, high: number): boolean {
    if (isCounterBeyondLimit(low, high)) {
      return false;
    }
    const lastLow = this.lastLow;
    const lastHigh = this.lastHigh;
    if (high > lastHigh || (high === lastHigh && low > lastLow)) {
      // Ahead of everything seen: clear the blocks between the old and the new highest counter.
      // The block distance is exact below 2^53 and only compared against BLOCKS beyond that.
      const distance = (high - lastHigh) * TWO_POW_27 + ((low >>> BLOCK_SHIFT) - (lastLow >>> BLOCK_SHIFT));
      const toClear = Math.min(distance, BLOCKS);
      const current = lastLow >>> BLOCK_SHIFT;
      for (let i = 1; i <= toClear; i++) {
        this.ring[(current + i) & BLOCK_MASK] = 0;
      }
      this.lastLow = low;
      this.lastHigh = high;
    } else {
      // At or behind the highest counter: the distance is exact whenever it could be within the window.
      const behind = (lastHigh - high) * TWO_POW_32 + (lastLow - low);
      if (behind > REPLAY_WINDOW_SIZE) {
        return false;
      }
    }
    const index = (low >>> BLOCK_SHIFT) & BLOCK_MASK;
    const bit = 1 << (low & (BLOCK_BITS - 1));
    const block = this.ring[index] as number;
    if ((block & bit) !== 0) {
      return false;
    }
    this.ring[index] = block | bit;
    return true;
  }

  /** `accept` for a bigint counter (tests, tools). */
  acceptCounter(counter: bigint): boolean {
    if (counter < 0n || counter >= 2n ** 64n) {
      return false;
    }
    return this.accept(Number(counter & 0xffff_ffffn), Number(counter >> 32n));
  }
}
