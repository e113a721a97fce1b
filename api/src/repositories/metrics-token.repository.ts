import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { MetricsTokenEntity } from '../entities/metrics-token.entity.js';
import { queryReturning } from './sql.js';

export interface NewMetricsToken {
  name: string;
  tokenHash: string;
  createdBy: string;
  createdAt: Date;
}

/** The scrape tokens, found by the SHA-256 of the token. */
@Injectable()
export class MetricsTokenRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private get tokens() {
    return this.dataSource.getRepository(MetricsTokenEntity);
  }

  /** Oldest first. */
  list(): Promise<MetricsTokenEntity[]> {
    return this.tokens.find({ order: { id: 'ASC' } });
  }

  /** Just what a scrape is checked against. */
  hashes(): Promise<Array<Pick<MetricsTokenEntity, 'id' | 'tokenHash'>>> {
    return this.tokens.find({ select: { id: true, tokenHash: true } });
  }

  /** The new row; undefined when `max` tokens exist already (counted in the same statement as the insert). */
  async insert(token: NewMetricsToken, max: number): Promise<MetricsTokenEntity | undefined> {
    const rows = await queryReturning<{ id: number }>(
      this.dataSource,
      `INSERT INTO "metrics_token" ("name", "token_hash", "created_at", "created_by")
       SELECT ?, ?, ?, ?
       WHERE (SELECT count(*) FROM "metrics_token") < ?
       RETURNING "id"`,
      [token.name, token.tokenHash, token.createdAt.toISOString(), token.createdBy, max],
    );
    const id = rows[0]?.id;
    return id === undefined ? undefined : ((await this.tokens.findOneBy({ id })) ?? undefined);
  }

  /** The deleted token's name, or undefined when there was none with that id. */
  async delete(id: number): Promise<{ name: string } | undefined> {
    const rows = await queryReturning<{ name: string }>(
      this.dataSource,
      `DELETE FROM "metrics_token" WHERE "id" = ? RETURNING "name"`,
      [id],
    );
    return rows[0];
  }

  /**
   * Records a use, unless one was recorded since `notBefore`: a scrape every 15 s would otherwise write to the
   * router's flash four times a minute for a time nobody needs to the second.
   */
  async touch(id: number, at: Date, notBefore: Date): Promise<void> {
    await this.dataSource.query(
      `UPDATE "metrics_token" SET "last_used_at" = ?
       WHERE "id" = ? AND ("last_used_at" IS NULL OR "last_used_at" < ?)`,
      [at.toISOString(), id, notBefore.toISOString()],
    );
  }
}
