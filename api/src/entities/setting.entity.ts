import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * One router-wide setting (session lifetimes, 2FA policy, the wizard's choices), stored as JSON text so adding a
 * setting needs no schema change. Services validate the value of each key they own; the table holds no secrets.
 */
@Entity('setting')
export class SettingEntity {
  @PrimaryColumn({ type: 'text' })
  key: string;

  @Column({ type: 'text' })
  value: string;

  @Column({ name: 'updated_at', type: 'text' })
  updatedAt: string;
}
