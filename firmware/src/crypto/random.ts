// Randomness behind a tiny interface so tests can make handshakes deterministic; production uses the OS CSPRNG.
import { randomFillSync } from 'node:crypto';

/** A source of cryptographically secure random bytes. */
export interface RandomSource {
  /** Overwrites every byte of `target` with random bytes. */
  fill(target: Uint8Array): void;
}

/** The operating system's CSPRNG (getrandom via node:crypto). */
export const systemRandom: RandomSource = {
  fill(target: Uint8Array): void {
    randomFillSync(target);
  },
};

/** Returns `length` fresh random bytes. */
export function randomBytes(length: number, source: RandomSource = systemRandom): Uint8Array {
  const bytes = new Uint8Array(length);
  source.fill(bytes);
  return bytes;
}

/** Returns a uniformly random unsigned 32-bit integer. */
export function randomUint32(source: RandomSource = systemRandom): number {
  const bytes = randomBytes(4, source);
  return new DataView(bytes.buffer).getUint32(0, true);
}
