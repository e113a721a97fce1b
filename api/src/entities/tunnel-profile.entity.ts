import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** One VPN provider profile, imported from a wg-quick file. `profile` is JSON and holds the keys: never returned as is. */
@Entity('tunnel_profile')
export class TunnelProfileEntity {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id: number;

  @Column({ type: 'text' })
  name: string;

  /** The case-folded name, unique. */
  @Column({ name: 'name_key', type: 'text' })
  nameKey: string;

  /** 0 is tried first; the list is kept dense (0..n-1). */
  @Column({ type: 'integer' })
  priority: number;

  /** Only enabled profiles take part in failover. */
  @Column({ type: 'boolean' })
  enabled: boolean;

  /** WgQuickProfile as JSON. */
  @Column({ type: 'text' })
  profile: string;

  @Column({ name: 'created_at', type: 'text' })
  createdAt: string;

  @Column({ name: 'updated_at', type: 'text' })
  updatedAt: string;
}
