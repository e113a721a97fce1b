import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * A bearer token a Prometheus server scrapes `/metrics` with. Like a session's cookie, the token itself is never
 * stored: only its SHA-256, so a copy of the database cannot be replayed against the router. Revoking deletes the row.
 */
@Entity('metrics_token')
export class MetricsTokenEntity {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id: number;

  @Column({ type: 'text' })
  name: string;

  @Column({ name: 'token_hash', type: 'text', unique: true })
  tokenHash: string;

  @Column({ name: 'created_at', type: 'text' })
  createdAt: string;

  /** The admin's user name at the time (a later rename or deletion leaves it as it was). */
  @Column({ name: 'created_by', type: 'text' })
  createdBy: string;

  @Column({ name: 'last_used_at', type: 'text', nullable: true })
  lastUsedAt: string | null;
}
