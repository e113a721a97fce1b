import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { type AttemptScope, LoginAttemptEntity } from '../entities/login-attempt.entity.js';
import { queryReturning } from './sql.js';

/** How attempts turn into locks, as the counting statement needs it. */
export interface LockRule {
  threshold: number;
  windowMs: number;
  /** Lock lengths for the threshold-th attempt, the next, …; the last one repeats. */
  schedule: readonly number[];
}

export interface CountedAttempt {
  /** This attempt's number in the current window. */
  attempts: number;
  /** The lock that was in force when this attempt arrived (epoch ms), if any. */
  lockedUntilBefore: number | null;
}

// The attempt count after this one: back to 1 once a quiet window has passed since the last failure and since
// the end of its lock. Counted from the lock's end too, or a guess at the end of each lock that is longer than the
// window would start afresh with the whole allowance.
const NEXT_COUNT = `CASE
  WHEN ?3 - max("last_failure_at", coalesce("locked_until", 0)) >= ?4 THEN 1
  ELSE "failures" + 1
END`;

// A lock is in force at ?3 (now).
const LOCKED = `coalesce("locked_until", 0) > ?3`;

/**
 * Sign-in attempt counters. Counting, locking and reading the lock that applied are one atomic statement:
 * of 50 attempts sent at once, each gets its own number, and those after the threshold see the lock that the
 * threshold-th one set, so only the first few are ever checked against a password.
 */
@Injectable()
export class LoginAttemptRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private get attempts() {
    return this.dataSource.getRepository(LoginAttemptEntity);
  }

  /**
   * Counts one attempt at `now`, unless a lock is in force (then the row stays as it is: attempts during a lock
   * neither count nor lengthen it). From the threshold on, it also locks further attempts for the schedule's
   * delay. INSERT … ON CONFLICT … DO UPDATE … RETURNING: a read-then-write would lose attempts that race each
   * other. SQLite evaluates every SET expression on the row as it was before the update.
   */
  async count(scope: AttemptScope, key: string, now: number, rule: LockRule): Promise<CountedAttempt> {
    const rows = await queryReturning<{ failures: number; previous_locked_until: number | null }>(
      this.dataSource,
      `INSERT INTO "login_attempt" ("scope", "key", "failures", "last_failure_at") VALUES (?1, ?2, 1, ?3)
       ON CONFLICT ("scope", "key") DO UPDATE SET
         "failures" = CASE WHEN ${LOCKED} THEN "failures" ELSE ${NEXT_COUNT} END,
         "last_failure_at" = CASE WHEN ${LOCKED} THEN "last_failure_at" ELSE max("last_failure_at", ?3) END,
         "previous_locked_until" = "locked_until",
         "locked_until" = CASE
           WHEN ${LOCKED} THEN "locked_until"
           WHEN ${NEXT_COUNT} >= ?5 THEN max(
             coalesce("locked_until", 0),
             ?3 + json_extract(?6, '$[' || min(${NEXT_COUNT} - ?5, json_array_length(?6) - 1) || ']')
           )
           ELSE "locked_until"
         END
       RETURNING "failures", "previous_locked_until"`,
      [scope, key, now, rule.windowMs, rule.threshold, JSON.stringify(rule.schedule)],
    );
    const row = rows[0];
    if (row === undefined) {
      throw new Error('the attempt upsert returned no row');
    }
    return { attempts: row.failures, lockedUntilBefore: row.previous_locked_until };
  }

  /**
   * Takes back one counted attempt that turned out not to be a failure. If that leaves fewer attempts than the
   * threshold, no lock is earned any more; the last attempt removes the row.
   */
  async uncount(scope: AttemptScope, key: string, threshold: number): Promise<void> {
    // Delete first: a row at 1 holds only this attempt. Decrementing first could bring another attempt's row
    // down to 1 and then delete it with that attempt still counted in it.
    await this.dataSource.query(`DELETE FROM "login_attempt" WHERE "scope" = ? AND "key" = ? AND "failures" <= 1`, [
      scope,
      key,
    ]);
    await this.dataSource.query(
      `UPDATE "login_attempt" SET
         "failures" = "failures" - 1,
         "locked_until" = CASE WHEN "failures" - 1 < ? THEN NULL ELSE "locked_until" END
       WHERE "scope" = ? AND "key" = ? AND "failures" > 1`,
      [threshold, scope, key],
    );
  }

  async clear(scope: AttemptScope, key: string): Promise<void> {
    await this.attempts.delete({ scope, key });
  }

  /** Removes the counter; returns the lock that was in force at `now` (epoch ms), if any. */
  async remove(scope: AttemptScope, key: string, now: number): Promise<number | null> {
    const rows = await queryReturning<{ locked_until: number | null }>(
      this.dataSource,
      `DELETE FROM "login_attempt" WHERE "scope" = ? AND "key" = ? RETURNING "locked_until"`,
      [scope, key],
    );
    const lockedUntil = rows[0]?.locked_until ?? null;
    return lockedUntil !== null && lockedUntil > now ? lockedUntil : null;
  }

  /** The locks in force at `now` among `keys` of `scope`, by key (epoch ms). */
  async locksInForce(scope: AttemptScope, keys: readonly string[], now: number): Promise<Map<string, number>> {
    if (keys.length === 0) {
      return new Map();
    }
    const rows = await this.dataSource.query<Array<{ key: string; locked_until: number }>>(
      `SELECT "key", "locked_until" FROM "login_attempt"
       WHERE "scope" = ? AND "locked_until" > ? AND "key" IN (${keys.map(() => '?').join(', ')})`,
      [scope, now, ...keys],
    );
    return new Map(rows.map((row) => [row.key, row.locked_until]));
  }

  /** Forgets counters whose window and lock have both run out, so random names cannot grow the table forever. */
  async prune(now: number, windowMs: number): Promise<void> {
    await this.dataSource.query(
      `DELETE FROM "login_attempt" WHERE "last_failure_at" <= ? AND coalesce("locked_until", 0) <= ?`,
      [now - windowMs, now],
    );
  }
}
