// Per-source token buckets for handshake initiations (as wireguard-go and the kernel): each source address may
// start RATE_LIMIT_BURST handshakes at once, then RATE_LIMIT_PACKETS_PER_SECOND; idle entries are forgotten.
// Time is passed in (monotonic milliseconds), so tests step it precisely.
import {
  RATE_LIMIT_BURST,
  RATE_LIMIT_GARBAGE_COLLECT_MS,
  RATE_LIMIT_MAX_ENTRIES,
  RATE_LIMIT_PACKETS_PER_SECOND,
} from './constants.js';

interface Bucket {
  /** Milliseconds of credit: one packet costs 1000 / rate. */
  tokens: number;
  lastSeen: number;
}

export interface RateLimiterOptions {
  readonly packetsPerSecond?: number;
  readonly burst?: number;
  readonly maxEntries?: number;
}

export class HandshakeRateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly packetCost: number;
  private readonly maxTokens: number;
  private readonly maxEntries: number;
  private lastCollection = -Infinity;

  constructor(options: RateLimiterOptions = {}) {
    this.packetCost = 1000 / (options.packetsPerSecond ?? RATE_LIMIT_PACKETS_PER_SECOND);
    this.maxTokens = this.packetCost * (options.burst ?? RATE_LIMIT_BURST);
    this.maxEntries = options.maxEntries ?? RATE_LIMIT_MAX_ENTRIES;
  }

  /**
   * Spends one token of `source` (a 4-byte IPv4 or 16-byte IPv6 address; IPv6 is limited per /64, like the kernel,
   * because one host can own a whole /64). Returns false when the source is over its rate, or when the table is
   * full and the source is new.
   */
  allow(source: Uint8Array, now: number): boolean {
    if (now - this.lastCollection >= RATE_LIMIT_GARBAGE_COLLECT_MS) {
      this.collectGarbage(now);
    }
    const key = bucketKey(source);
    const bucket = this.buckets.get(key);
    if (bucket === undefined) {
      if (this.buckets.size >= this.maxEntries) {
        return false;
      }
      this.buckets.set(key, { tokens: this.maxTokens - this.packetCost, lastSeen: now });
      return true;
    }
    const tokens = Math.min(this.maxTokens, bucket.tokens + Math.max(0, now - bucket.lastSeen));
    bucket.lastSeen = Math.max(bucket.lastSeen, now);
    if (tokens >= this.packetCost) {
      bucket.tokens = tokens - this.packetCost;
      return true;
    }
    bucket.tokens = tokens;
    return false;
  }

  /** Forgets sources idle for RATE_LIMIT_GARBAGE_COLLECT_MS (their buckets would be full again anyway). */
  collectGarbage(now: number): void {
    this.lastCollection = now;
    for (const [key, bucket] of this.buckets) {
      if (now - bucket.lastSeen > RATE_LIMIT_GARBAGE_COLLECT_MS) {
        this.buckets.delete(key);
      }
    }
  }

  /** Number of tracked sources. */
  get size(): number {
    return this.buckets.size;
  }

  clear(): void {
    this.buckets.clear();
  }
}

function bucketKey(source: Uint8Array): string {
  if (source.length === 4) {
    return `4:${source.join('.')}`;
  }
  if (source.length === 16) {
    return `6:${Buffer.from(source.buffer, source.byteOffset, 8).toString('hex')}`;
  }
  throw new RangeError(`source address must be 4 or 16 bytes, got ${source.length}`);
}
