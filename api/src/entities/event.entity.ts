import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * Something the household wants to be told about (the tunnel went down, the kill switch was turned off…), as the
 * Status page lists it and the webhook sends it. Not the audit log, which records who did what. `details` is a
 * JSON object of plain facts; only the newest rows are kept.
 */
@Entity('event')
export class EventEntity {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id: number;

  /** When it happened (ISO 8601): burrowd's own time for what burrowd reports. */
  @Column({ type: 'text' })
  at: string;

  @Column({ type: 'text' })
  kind: string;

  @Column({ type: 'text' })
  severity: string;

  @Column({ type: 'text' })
  message: string;

  @Column({ type: 'text' })
  details: string;
}
