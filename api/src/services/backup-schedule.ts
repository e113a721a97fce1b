// When the daily backup runs: pure functions of the time, so tests can move the clock freely.

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** A daily backup this old means days were missed (the box was off, or its clock jumped): one is made soon after start. */
export const CATCH_UP_AFTER_MS = 36 * HOUR_MS;
export const CATCH_UP_DELAY_MS = 5 * 60_000;

/** The first moment strictly after `now` when the local clock reads `dailyAt` ("HH:MM"). */
export function nextDailyRun(now: Date, dailyAt: string): Date {
  const [hours = 0, minutes = 0] = dailyAt.split(':').map(Number);
  const next = new Date(now);
  next.setHours(hours, minutes, 0, 0);
  while (next.getTime() <= now.getTime()) {
    // setDate rather than adding 24 hours: a day with a daylight-saving change is 23 or 25 hours long.
    next.setDate(next.getDate() + 1);
    next.setHours(hours, minutes, 0, 0);
  }
  return next;
}

/**
 * A planned run further away than a day (and an hour of daylight saving) was planned under a clock that has since
 * gone back; planned again from now, it is at most a day away.
 */
export function planIsStale(planned: Date, now: Date): boolean {
  return planned.getTime() - now.getTime() > DAY_MS + HOUR_MS;
}

/** Whether `a` and `b` fall on the same local calendar day. */
export function sameLocalDay(a: Date, b: Date): boolean {
  return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
}

/**
 * Where to plan the first run at start: soon, when daily backups were made before and the newest is older than a
 * day and a half (the box was off at the usual time); otherwise at the next `dailyAt`. A box that never made one
 * waits for its time, so a fresh start does not back up a router not yet set up.
 */
export function firstDailyRun(now: Date, dailyAt: string, newestDaily: Date | null): Date {
  if (newestDaily !== null && now.getTime() - newestDaily.getTime() > CATCH_UP_AFTER_MS) {
    return new Date(now.getTime() + CATCH_UP_DELAY_MS);
  }
  return nextDailyRun(now, dailyAt);
}
