import { type MigrationInterface, type QueryRunner } from 'typeorm';

export class CreateEvents1765500000000 implements MigrationInterface {
  name = 'CreateEvents1765500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "event" (
        "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
        "at" text NOT NULL,
        "kind" text NOT NULL CHECK (length("kind") BETWEEN 1 AND 64),
        "severity" text NOT NULL CHECK ("severity" IN ('info', 'warning', 'critical')),
        "message" text NOT NULL,
        "details" text NOT NULL CHECK (json_valid("details"))
      )`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "event"`);
  }
}
