// When failed sign-ins lock a user name or a client address, and for how long.
//
//   attempts within the window:  1 … threshold-1   threshold   threshold+1   threshold+2   …
//   then locked for:             not locked        base        2 × base      4 × base      … up to max
//
// An attempt counts before its password is checked and a success takes it back, so what stays counted are
// failures. They are forgiven once `windowMs` passes after the last one and after the end of its lock. Attempts made
// while locked are refused without checking the password and are not counted: a lock grows only with guesses
// that were checked, so a stranger cannot stretch it by hammering it.
//
// The name's lock holds only devices its user has not signed in from before. A known device (a signed device
// cookie, see device.service.ts) is counted against its own, larger allowance instead; once that is spent, it is
// a stranger like any other until its lock runs out. An admin can lift a name's lock.

import { formatIp, parseIp, unmapIpv4 } from '@burrow/firmware/net/ip';

export interface LockoutPolicy {
  threshold: number;
  windowMs: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

const MINUTE = 60_000;

/** 5 failures in 15 minutes lock a user name. */
export const USERNAME_LOCKOUT: LockoutPolicy = {
  threshold: 5,
  windowMs: 15 * MINUTE,
  baseDelayMs: MINUTE,
  maxDelayMs: 60 * MINUTE,
};

/** A household shares few addresses, so one address gets more tries than one name before it is locked. */
export const ADDRESS_LOCKOUT: LockoutPolicy = {
  threshold: 30,
  windowMs: 15 * MINUTE,
  baseDelayMs: MINUTE,
  maxDelayMs: 60 * MINUTE,
};

/** A known device's own allowance: a stolen device cookie cannot guess without bound. */
export const DEVICE_LOCKOUT: LockoutPolicy = {
  threshold: 10,
  windowMs: 15 * MINUTE,
  baseDelayMs: MINUTE,
  maxDelayMs: 60 * MINUTE,
};

/** How long `failures` failures lock for: 0 below the threshold, then doubling up to the maximum. */
export function lockDelayMs(failures: number, policy: LockoutPolicy): number {
  if (failures < policy.threshold) {
    return 0;
  }
  const doublings = Math.min(failures - policy.threshold, 30);
  return Math.min(policy.baseDelayMs * 2 ** doublings, policy.maxDelayMs);
}

/** Lock lengths from the threshold on, up to and including the first that reaches the maximum. */
export function lockSchedule(policy: LockoutPolicy): number[] {
  const schedule = [lockDelayMs(policy.threshold, policy)];
  while ((schedule.at(-1) ?? policy.maxDelayMs) < policy.maxDelayMs) {
    schedule.push(lockDelayMs(policy.threshold + schedule.length, policy));
  }
  return schedule;
}

/**
 * The key failures from an address count under. IPv6 clients usually control a whole /64, so that is the unit;
 * IPv4 addresses count alone.
 */
export function addressKey(address: string): string {
  const bytes = address.includes(':') ? parseIp(address) : null;
  if (bytes === null) {
    return address;
  }
  const unmapped = unmapIpv4(bytes);
  if (unmapped.length === 4) {
    return formatIp(unmapped);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const groups = [0, 2, 4, 6].map((offset) => view.getUint16(offset).toString(16));
  return `${groups.join(':')}::/64`;
}
