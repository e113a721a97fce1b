import { Column, Entity, PrimaryColumn } from 'typeorm';

export type AttemptScope = 'username' | 'address' | 'device';

/**
 * Sign-in attempts counted per user name, per client address and per known device (its device cookie's id): each attempt counts before its password is
 * checked, and a success takes its count back. Updated by one atomic upsert (see LoginAttemptRepository), so
 * concurrent attempts are never lost. Times are epoch milliseconds for SQL arithmetic.
 */
@Entity('login_attempt')
export class LoginAttemptEntity {
  @PrimaryColumn({ type: 'text' })
  scope: AttemptScope;

  @PrimaryColumn({ type: 'text' })
  key: string;

  @Column({ type: 'integer' })
  failures: number;

  @Column({ name: 'last_failure_at', type: 'integer' })
  lastFailureAt: number;

  /** Attempts before this time are refused unchecked. */
  @Column({ name: 'locked_until', type: 'integer', nullable: true })
  lockedUntil: number | null;

  /** The lock in force just before the latest attempt: what that attempt had to respect. */
  @Column({ name: 'previous_locked_until', type: 'integer', nullable: true })
  previousLockedUntil: number | null;
}
