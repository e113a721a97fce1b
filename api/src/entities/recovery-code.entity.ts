import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** One of a user's ten single-use 2FA recovery codes, stored only as an argon2id hash. */
@Entity('recovery_code')
export class RecoveryCodeEntity {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id: number;

  @Column({ name: 'user_id', type: 'integer' })
  userId: number;

  @Column({ name: 'code_hash', type: 'text' })
  codeHash: string;

  @Column({ name: 'used_at', type: 'text', nullable: true })
  usedAt: string | null;
}
