// Receiver indices: the 32-bit numbers a remote puts in every response and transport message so we find the
// handshake or keypair it belongs to in one lookup. Random, so an observer cannot link sessions, and unique.
import { systemRandom, type RandomSource } from '../crypto/random.js';
import { allocateIndex } from '../protocol/session-index.js';

export class IndexTable<T> {
  private readonly entries = new Map<number, T>();

  constructor(private readonly random: RandomSource = systemRandom) {}

  /** Registers `value` under a fresh random index (never 0, which means "none") and returns that index. */
  insert(value: T): number {
    const index = allocateIndex((candidate) => this.entries.has(candidate), this.random);
    this.entries.set(index, value);
    return index;
  }

  /** Moves `value` to a new index (a new handshake re-uses the entry of the old one). */
  replace(oldIndex: number, value: T): number {
    this.entries.delete(oldIndex);
    return this.insert(value);
  }

  /** Points an existing index at another value (a handshake becoming a keypair keeps its index). */
  update(index: number, value: T): void {
    if (this.entries.has(index)) {
      this.entries.set(index, value);
    }
  }

  lookup(index: number): T | undefined {
    return this.entries.get(index);
  }

  delete(index: number): void {
    this.entries.delete(index);
  }

  get size(): number {
    return this.entries.size;
  }
}
