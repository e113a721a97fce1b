import { Injectable } from '@nestjs/common';
import { type AttemptScope } from '../entities/login-attempt.entity.js';
import {
  type CountedAttempt,
  type LockRule,
  LoginAttemptRepository,
} from '../repositories/login-attempt.repository.js';
import {
  ADDRESS_LOCKOUT,
  addressKey,
  DEVICE_LOCKOUT,
  type LockoutPolicy,
  lockSchedule,
  USERNAME_LOCKOUT,
} from './lockout-policy.js';

const POLICIES: Record<AttemptScope, LockoutPolicy> = {
  username: USERNAME_LOCKOUT,
  address: ADDRESS_LOCKOUT,
  device: DEVICE_LOCKOUT,
};
const RULES: Record<AttemptScope, LockRule> = {
  username: { ...USERNAME_LOCKOUT, schedule: lockSchedule(USERNAME_LOCKOUT) },
  address: { ...ADDRESS_LOCKOUT, schedule: lockSchedule(ADDRESS_LOCKOUT) },
  device: { ...DEVICE_LOCKOUT, schedule: lockSchedule(DEVICE_LOCKOUT) },
};
const PRUNE_WINDOW_MS = Math.max(USERNAME_LOCKOUT.windowMs, ADDRESS_LOCKOUT.windowMs, DEVICE_LOCKOUT.windowMs);

/** What counting an attempt decided. */
export interface AttemptGate {
  /** False when the name (or the device) or the address was locked when the attempt arrived: do not check the password. */
  allowed: boolean;
  /** This attempt, if it fails, is the one that locks the name (the address, the device): reported once per lock. */
  locksUsername: boolean;
  locksAddress: boolean;
  locksDevice: boolean;
  /**
   * The known device the attempt was counted against instead of the name, or null when it was counted against
   * the name (no device cookie of this user, or that device's own allowance is spent).
   */
  device: string | null;
}

/**
 * Counts sign-in attempts per user name (or per known device) and per client address. An attempt is counted
 * before its password is checked (`countAttempt`), and taken back when it turns out right (`succeeded`,
 * `notAFailure`): counting afterwards would let a burst of parallel guesses all be checked before the first
 * failure was recorded.
 */
@Injectable()
export class LockoutService {
  /** Attempts are counted one at a time, so an attempt's counts are consecutive (see below). */
  private counting: Promise<unknown> = Promise.resolve();

  constructor(private readonly attempts: LoginAttemptRepository) {}

  /**
   * Counts an attempt under its name (or `device`, the id of a valid device cookie of this very user) and its
   * address. Each count is atomic; they are also kept together, or in a burst the 5th attempt on a name could have
   * its address counted after the address's own lock, and be refused for the address when it was the name's last
   * allowed guess.
   */
  countAttempt(usernameKey: string, address: string, now: Date, device?: string): Promise<AttemptGate> {
    const counted = this.counting.then(() => this.countAll(usernameKey, address, now, device));
    this.counting = counted.catch(() => undefined);
    return counted;
  }

  private async countAll(usernameKey: string, address: string, now: Date, device?: string): Promise<AttemptGate> {
    const count = (scope: AttemptScope, key: string) => this.attempts.count(scope, key, now.getTime(), RULES[scope]);
    const free = (counted: CountedAttempt) => (counted.lockedUntilBefore ?? 0) <= now.getTime();
    const locks = (counted: CountedAttempt | undefined, scope: AttemptScope) =>
      counted !== undefined && free(counted) && counted.attempts === POLICIES[scope].threshold;

    const byDevice = device === undefined ? undefined : await count('device', device);
    const trusted = byDevice !== undefined && free(byDevice);
    const byName = trusted ? undefined : await count('username', usernameKey);
    const byAddress = await count('address', addressKey(address));
    await this.attempts.prune(now.getTime(), PRUNE_WINDOW_MS);
    return {
      allowed: (byName === undefined || free(byName)) && free(byAddress),
      locksUsername: locks(byName, 'username'),
      locksAddress: locks(byAddress, 'address'),
      locksDevice: locks(byDevice, 'device'),
      device: trusted ? (device ?? null) : null,
    };
  }

  /**
   * The password (and code) were right: the address's attempt is taken back, and the failures of what the attempt
   * counted against are forgiven (the name's; a known device's own, leaving the name's lock to strangers).
   */
  async succeeded(usernameKey: string, address: string, device: string | null = null): Promise<void> {
    await (device === null ? this.attempts.clear('username', usernameKey) : this.attempts.clear('device', device));
    await this.attempts.uncount('address', addressKey(address), POLICIES.address.threshold);
  }

  /** The password was right but the sign-in is not finished (a code is still needed): no failure, no forgiveness. */
  async notAFailure(usernameKey: string, address: string, device: string | null = null): Promise<void> {
    await (device === null
      ? this.attempts.uncount('username', usernameKey, POLICIES.username.threshold)
      : this.attempts.uncount('device', device, POLICIES.device.threshold));
    await this.attempts.uncount('address', addressKey(address), POLICIES.address.threshold);
  }

  /** Lifts the name's lock and forgets its failures; returns when the lock would have ended, or null if none was in force. */
  async unlockUsername(usernameKey: string, now: Date): Promise<Date | null> {
    const lockedUntil = await this.attempts.remove('username', usernameKey, now.getTime());
    return lockedUntil === null ? null : new Date(lockedUntil);
  }

  /** The names among `usernameKeys` that are locked at `now`, with when their lock ends. */
  async lockedUsernames(usernameKeys: readonly string[], now: Date): Promise<Map<string, Date>> {
    const locks = await this.attempts.locksInForce('username', usernameKeys, now.getTime());
    return new Map([...locks].map(([key, until]) => [key, new Date(until)]));
  }
}
