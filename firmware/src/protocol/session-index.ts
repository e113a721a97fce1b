// Session indices: the random 32-bit numbers each side picks to name its handshakes and keypairs, so a receiver
// finds the right state from a message's receiver field. Random (not sequential) so they reveal nothing.
import { randomUint32, type RandomSource, systemRandom } from '../crypto/random.js';

/** A uniformly random 32-bit index. */
export function randomIndex(source: RandomSource = systemRandom): number {
  return randomUint32(source);
}

/**
 * A random non-zero index for which `isTaken` is false (the engine's index table decides). Zero is never handed
 * out because Handshake.localIndex uses it to mean "none". With at most a few thousand
 * live indices among 2^32 the first draw almost always succeeds; the attempt cap only guards a broken `isTaken`.
 */
export function allocateIndex(isTaken: (index: number) => boolean, source: RandomSource = systemRandom): number {
  for (let attempt = 0; attempt < 1024; attempt++) {
    const index = randomUint32(source);
    if (index !== 0 && !isTaken(index)) {
      return index;
    }
  }
  throw new Error('no free session index after 1024 random draws: is the index table full?');
}
