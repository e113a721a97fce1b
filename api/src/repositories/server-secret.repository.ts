import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** Secrets the server makes for itself (keys for signing cookies), one row each, created on first use. */
@Injectable()
export class ServerSecretRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The secret called `name`; `create()`'s value is stored first if there is none. Concurrent callers get one value. */
  async getOrCreate(name: string, create: () => string, now: Date): Promise<string> {
    await this.dataSource.query(
      `INSERT INTO "server_secret" ("name", "value", "created_at") VALUES (?, ?, ?) ON CONFLICT ("name") DO NOTHING`,
      [name, create(), now.toISOString()],
    );
    const rows = await this.dataSource.query<Array<{ value: string }>>(
      `SELECT "value" FROM "server_secret" WHERE "name" = ?`,
      [name],
    );
    const value = rows[0]?.value;
    if (value === undefined) {
      throw new Error(`the server secret ${name} was not stored`);
    }
    return value;
  }
}
