import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export const AUDIT_ORIGINS = ['web', 'console', 'system'] as const;
export type AuditOrigin = (typeof AUDIT_ORIGINS)[number];

/**
 * Who did what, from where, when. Names are copied, not referenced, so history outlives deleted users.
 * `details` is a JSON object of plain facts; it never holds a password, code or token. Failed sign-ins and the locks
 * they cause are summed into one row per window (`count`, `at` … `lastAt`) and kept to a limit of their own.
 */
@Entity('audit_event')
export class AuditEventEntity {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id: number;

  @Column({ type: 'text' })
  at: string;

  @Column({ type: 'text', nullable: true })
  username: string | null;

  @Column({ type: 'text', nullable: true })
  address: string | null;

  @Column({ type: 'text' })
  action: string;

  @Column({ type: 'text', nullable: true })
  target: string | null;

  @Column({ type: 'text' })
  details: string;

  /** How many events this row stands for: failed sign-ins are summed per name, address and window. */
  @Column({ type: 'integer', default: 1 })
  count: number;

  /** For a summed row, when the latest of its events happened; `at` is the first. */
  @Column({ name: 'last_at', type: 'text', nullable: true })
  lastAt: string | null;

  /** Where it came from: the web page or API, the recovery console, or the router by itself. */
  @Column({ type: 'text', default: 'web' })
  origin: AuditOrigin;

  /** For a summed row, what its events have in common (unique); null for a single event. */
  @Column({ name: 'group_key', type: 'text', nullable: true })
  groupKey: string | null;
}
