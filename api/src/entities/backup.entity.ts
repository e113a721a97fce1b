import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * A backup file in `<dataDir>/backups/`. The file is the backup; this row is what the list shows, written after the
 * file is complete (and reconciled with the directory at start, so a crash between the two leaves no stray entry).
 */
@Entity('backup')
export class BackupEntity {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id: number;

  /** `manual`, `daily` or `pre-restore`. */
  @Column({ type: 'text' })
  kind: string;

  @Column({ name: 'created_at', type: 'text' })
  createdAt: string;

  /** The name inside the backups directory (never a path). */
  @Column({ name: 'file_name', type: 'text', unique: true })
  fileName: string;

  @Column({ type: 'integer' })
  size: number;

  /** Of the whole file, as stored: what a download must match. */
  @Column({ type: 'text' })
  sha256: string;

  /** Whether the backup passphrase opens it (else only this box's device key does). */
  @Column({ name: 'passphrase_protected', type: 'boolean' })
  passphraseProtected: boolean;

  /** The admin's user name at the time; null for automatic backups. */
  @Column({ name: 'created_by', type: 'text', nullable: true })
  createdBy: string | null;
}
