import { Injectable } from '@nestjs/common';
import { argon2id, hash, needsRehash, verify } from 'argon2';
import { randomBytes } from 'node:crypto';

/**
 * argon2id at OWASP's recommended minimum (19 MiB, 2 passes, 1 lane): affordable on a small router, and at most
 * four run at once (libuv's thread pool), which bounds memory under a flood of sign-ins. The parameters are
 * written into every hash, so raising them here upgrades each user's hash at their next sign-in.
 */
export const PASSWORD_HASH_OPTIONS = { type: argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

@Injectable()
export class PasswordHashRepository {
  // A hash of a random password nobody knows, made once, for sign-ins that have no real hash to check.
  private dummyHash: Promise<string> | undefined;

  hash(password: string): Promise<string> {
    return hash(password, PASSWORD_HASH_OPTIONS);
  }

  verify(passwordHash: string, password: string): Promise<boolean> {
    return verify(passwordHash, password);
  }

  /** True when the hash was made with other parameters than today's. */
  needsRehash(passwordHash: string): boolean {
    return needsRehash(passwordHash, PASSWORD_HASH_OPTIONS);
  }

  /**
   * Spends the same work as verify() and always fails: an unknown user or a locked account must not answer
   * faster than a wrong password, or the timing would tell which names exist.
   */
  async verifyDummy(password: string): Promise<void> {
    this.dummyHash ??= this.hash(randomBytes(32).toString('base64url'));
    await verify(await this.dummyHash, password);
  }
}
