// TAI64N timestamps (12 bytes: 8-byte big-endian TAI64 seconds label, 4-byte big-endian nanoseconds). The
// initiator sends one in every initiation; the responder accepts an initiation only if it is newer than the last
// (whitepaper §5.1), which defeats replayed initiations.
import { type Clock } from './clock.js';

export const TAI64N_LENGTH = 12;

// TAI64 labels seconds as 2^62 + TAI seconds; TAI runs 10 s ahead of the Unix epoch count (as wireguard-go uses).
const TAI64_EPOCH_OFFSET = 0x4000_0000_0000_000an;
// Whitening drops the low 24 bits of the nanoseconds (~16.8 ms resolution), so timestamps do not leak the
// sender's precise clock to observers who can decrypt them (i.e. the responder).
const WHITENER_MASK = 0x00ff_ffff;

export interface Tai64nOptions {
  /** Round the nanoseconds down to a 2^24 ns grid, as wireguard-go does (default true). */
  readonly whiten?: boolean;
}

/** Encodes a wall-clock time given as milliseconds since the Unix epoch. */
export function encodeTai64n(epochMs: number, options: Tai64nOptions = {}): Uint8Array {
  if (!Number.isFinite(epochMs) || epochMs < 0) {
    throw new RangeError(`TAI64N needs a non-negative finite time, got ${epochMs}`);
  }
  const seconds = Math.floor(epochMs / 1000);
  let nanoseconds = Math.floor((epochMs - seconds * 1000) * 1_000_000);
  if (options.whiten ?? true) {
    nanoseconds &= ~WHITENER_MASK;
  }
  const out = new Uint8Array(TAI64N_LENGTH);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, TAI64_EPOCH_OFFSET + BigInt(seconds), false);
  view.setUint32(8, nanoseconds >>> 0, false);
  return out;
}

/** The current wall-clock time from the injected clock, encoded. */
export function tai64nNow(clock: Clock, options: Tai64nOptions = {}): Uint8Array {
  return encodeTai64n(clock.wallTime(), options);
}

/** Splits a timestamp into Unix seconds and nanoseconds (for logs and tests). */
export function decodeTai64n(timestamp: Uint8Array): { unixSeconds: bigint; nanoseconds: number } {
  if (timestamp.length !== TAI64N_LENGTH) {
    throw new RangeError(`TAI64N is ${TAI64N_LENGTH} bytes, got ${timestamp.length}`);
  }
  const view = new DataView(timestamp.buffer, timestamp.byteOffset, TAI64N_LENGTH);
  return { unixSeconds: view.getBigUint64(0, false) - TAI64_EPOCH_OFFSET, nanoseconds: view.getUint32(8, false) };
}

/** Orders two timestamps: negative if a is earlier, 0 if equal, positive if later (big-endian byte order). */
export function compareTai64n(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < TAI64N_LENGTH; i++) {
    const difference = (a[i] ?? 0) - (b[i] ?? 0);
    if (difference !== 0) {
      return difference;
    }
  }
  return 0;
}

/** True when `candidate` is strictly later than `previous`: the acceptance rule for initiations. */
export function isAfter(candidate: Uint8Array, previous: Uint8Array): boolean {
  return compareTai64n(candidate, previous) > 0;
}
