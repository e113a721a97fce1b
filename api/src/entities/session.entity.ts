import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A signed-in browser. The cookie holds a random 256-bit id that is never stored: only its SHA-256 is, so a
 * copy of the database cannot be replayed as a cookie. `handle` is a separate random name for listing and
 * revoking a session without revealing anything that signs in.
 */
@Entity('session')
export class SessionEntity {
  @PrimaryColumn({ type: 'text' })
  handle: string;

  @Column({ name: 'token_hash', type: 'text', unique: true })
  tokenHash: string;

  @Column({ name: 'user_id', type: 'integer' })
  userId: number;

  @Column({ name: 'created_at', type: 'text' })
  createdAt: string;

  @Column({ name: 'last_seen_at', type: 'text' })
  lastSeenAt: string;

  @Column({ type: 'text' })
  address: string;

  @Column({ name: 'user_agent', type: 'text' })
  userAgent: string;
}
