import { Injectable } from '@nestjs/common';
import { createHash, createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

/** Randomness, digests and comparisons. Every token and id that grants something comes from here. */
@Injectable()
export class CryptoRepository {
  /** `bytes` of CSPRNG output as unpadded base64url text. */
  randomToken(bytes: number): string {
    return randomBytes(bytes).toString('base64url');
  }

  /** A uniformly random string of `length` characters drawn from `alphabet`. */
  randomString(alphabet: string, length: number): string {
    return Array.from({ length }, () => alphabet[randomInt(alphabet.length)]).join('');
  }

  sha256Hex(value: string): string {
    return createHash('sha256').update(value).digest('hex');
  }

  hmacBase64url(key: string, message: string): string {
    return createHmac('sha256', key).update(message).digest('base64url');
  }

  /**
   * Compares two secrets in time that does not depend on where they differ. Both sides are hashed first, so
   * inputs of any length compare as equal-length buffers and the length of the expected value does not leak.
   */
  equalsConstantTime(actual: string, expected: string): boolean {
    const digest = (value: string) => createHash('sha256').update(value).digest();
    return timingSafeEqual(digest(actual), digest(expected));
  }
}
