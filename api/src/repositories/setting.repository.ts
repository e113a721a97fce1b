import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In } from 'typeorm';
import { SettingEntity } from '../entities/setting.entity.js';

/** Router-wide settings as JSON values by key. Callers validate what they read. */
@Injectable()
export class SettingRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The stored values of `keys` that exist, parsed. */
  async read(keys: readonly string[]): Promise<Map<string, unknown>> {
    const rows = await this.dataSource.getRepository(SettingEntity).findBy({ key: In([...keys]) });
    return new Map(rows.map((row) => [row.key, JSON.parse(row.value) as unknown]));
  }

  /** Every stored setting as its JSON text, by key (a restore's preview compares them with a backup's). */
  async readAllRaw(): Promise<Map<string, string>> {
    const rows = await this.dataSource.getRepository(SettingEntity).find();
    return new Map(rows.map((row) => [row.key, row.value]));
  }

  /** Writes every entry, each as one upsert. */
  async write(values: ReadonlyMap<string, unknown>, at: Date): Promise<void> {
    for (const [key, value] of values) {
      await this.dataSource.query(
        `INSERT INTO "setting" ("key", "value", "updated_at") VALUES (?, ?, ?)
         ON CONFLICT ("key") DO UPDATE SET "value" = excluded."value", "updated_at" = excluded."updated_at"`,
        [key, JSON.stringify(value), at.toISOString()],
      );
    }
  }

  /** Removes the setting; false when it did not exist. */
  async delete(key: string): Promise<boolean> {
    const result = await this.dataSource.getRepository(SettingEntity).delete({ key });
    return (result.affected ?? 0) > 0;
  }
}
