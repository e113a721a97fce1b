import { type MigrationInterface, type QueryRunner } from 'typeorm';

/** Issue #11: bearer tokens for scraping `/metrics`, stored as SHA-256 hashes only. */
export class CreateMetricsTokens1765400000000 implements MigrationInterface {
  name = 'CreateMetricsTokens1765400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "metrics_token" (
        "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
        "name" text NOT NULL CHECK (length("name") BETWEEN 1 AND 64),
        "token_hash" text NOT NULL UNIQUE CHECK (length("token_hash") = 64),
        "created_at" text NOT NULL,
        "created_by" text NOT NULL,
        "last_used_at" text
      )`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "metrics_token"`);
  }
}
