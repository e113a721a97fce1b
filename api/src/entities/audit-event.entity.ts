import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * Who did what, from where, when. Names are copied, not referenced, so history outlives deleted users.
 * `details` is a JSON object of plain facts; it never holds a password, code or token.
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
}
