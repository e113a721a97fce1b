import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { BackupEntity } from '../entities/backup.entity.js';
import { queryReturning } from './sql.js';

export type NewBackup = Omit<BackupEntity, 'id'>;

/** The list of backup files: one row per complete file in the backups directory. */
@Injectable()
export class BackupRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private get backups() {
    return this.dataSource.getRepository(BackupEntity);
  }

  /** Newest first. */
  list(kind?: string): Promise<BackupEntity[]> {
    return this.backups.find({
      where: kind === undefined ? {} : { kind },
      order: { createdAt: 'DESC', id: 'DESC' },
    });
  }

  async find(id: number): Promise<BackupEntity | undefined> {
    return (await this.backups.findOneBy({ id })) ?? undefined;
  }

  async insert(backup: NewBackup): Promise<BackupEntity> {
    const rows = await queryReturning<{ id: number }>(
      this.dataSource,
      `INSERT INTO "backup" ("kind", "created_at", "file_name", "size", "sha256", "passphrase_protected", "created_by")
       VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING "id"`,
      [
        backup.kind,
        backup.createdAt,
        backup.fileName,
        backup.size,
        backup.sha256,
        backup.passphraseProtected ? 1 : 0,
        backup.createdBy,
      ],
    );
    const id = rows[0]?.id;
    const created = id === undefined ? undefined : await this.find(id);
    if (created === undefined) {
      throw new Error(`the backup row for ${backup.fileName} was not stored`);
    }
    return created;
  }

  /** The deleted row, or undefined when there was none with that id. */
  async delete(id: number): Promise<BackupEntity | undefined> {
    const rows = await queryReturning<{ id: number; file_name: string; kind: string; created_at: string }>(
      this.dataSource,
      `DELETE FROM "backup" WHERE "id" = ? RETURNING "id", "file_name", "kind", "created_at"`,
      [id],
    );
    const row = rows[0];
    return row === undefined
      ? undefined
      : Object.assign(new BackupEntity(), {
          id: row.id,
          fileName: row.file_name,
          kind: row.kind,
          createdAt: row.created_at,
        });
  }
}
