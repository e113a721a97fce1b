import { Injectable } from '@nestjs/common';
import { type AttemptScope } from '../entities/login-attempt.entity.js';
import { type LockRule, LoginAttemptRepository } from '../repositories/login-attempt.repository.js';
import { ADDRESS_LOCKOUT, addressKey, type LockoutPolicy, lockSchedule, USERNAME_LOCKOUT } from './lockout-policy.js';

const POLICIES: Record<AttemptScope, LockoutPolicy> = { username: USERNAME_LOCKOUT, address: ADDRESS_LOCKOUT };
const RULES: Record<AttemptScope, LockRule> = {
  username: { ...USERNAME_LOCKOUT, schedule: lockSchedule(USERNAME_LOCKOUT) },
  address: { ...ADDRESS_LOCKOUT, schedule: lockSchedule(ADDRESS_LOCKOUT) },
};
const PRUNE_WINDOW_MS = Math.max(USERNAME_LOCKOUT.windowMs, ADDRESS_LOCKOUT.windowMs);

/** What counting an attempt decided. */
export interface AttemptGate {
  /** False when the name or the address was locked when the attempt arrived: do not check the password. */
  allowed: boolean;
  /** This attempt, if it fails, is the one that locks the name (or the address): reported once per lock. */
  locksUsername: boolean;
  locksAddress: boolean;
}

/**
 * Counts sign-in attempts per user name and per client address. An attempt is counted before its password is
 * checked (`countAttempt`), and taken back when it turns out right (`succeeded`, `notAFailure`): counting
 * afterwards would let a burst of parallel guesses all be checked before the first failure was recorded.
 */
@Injectable()
export class LockoutService {
  /** Attempts are counted one at a time, so an attempt's name and address counts are consecutive (see below). */
  private counting: Promise<unknown> = Promise.resolve();

  constructor(private readonly attempts: LoginAttemptRepository) {}

  /**
   * Counts an attempt under its name and its address. Each count is atomic; the two are also kept together, or
   * in a burst the 5th attempt on a name could have its address counted after the address's own lock, and be
   * refused for the address when it was the name's last allowed guess.
   */
  countAttempt(usernameKey: string, address: string, now: Date): Promise<AttemptGate> {
    const counted = this.counting.then(() => this.countBoth(usernameKey, address, now));
    this.counting = counted.catch(() => undefined);
    return counted;
  }

  private async countBoth(usernameKey: string, address: string, now: Date): Promise<AttemptGate> {
    const byName = await this.attempts.count('username', usernameKey, now.getTime(), RULES.username);
    const byAddress = await this.attempts.count('address', addressKey(address), now.getTime(), RULES.address);
    await this.attempts.prune(now.getTime(), PRUNE_WINDOW_MS);
    const free = (lockedUntil: number | null) => (lockedUntil ?? 0) <= now.getTime();
    return {
      allowed: free(byName.lockedUntilBefore) && free(byAddress.lockedUntilBefore),
      locksUsername: byName.attempts === USERNAME_LOCKOUT.threshold,
      locksAddress: byAddress.attempts === ADDRESS_LOCKOUT.threshold,
    };
  }

  /** The password (and code) were right: the name's failures are forgiven, the address's attempt taken back. */
  async succeeded(usernameKey: string, address: string): Promise<void> {
    await this.attempts.clear('username', usernameKey);
    await this.attempts.uncount('address', addressKey(address), POLICIES.address.threshold);
  }

  /** The password was right but the sign-in is not finished (a code is still needed): no failure, no forgiveness. */
  async notAFailure(usernameKey: string, address: string): Promise<void> {
    await this.attempts.uncount('username', usernameKey, POLICIES.username.threshold);
    await this.attempts.uncount('address', addressKey(address), POLICIES.address.threshold);
  }
}
