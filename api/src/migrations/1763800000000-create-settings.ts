import { type MigrationInterface, type QueryRunner } from 'typeorm';

export class CreateSettings1763800000000 implements MigrationInterface {
  name = 'CreateSettings1763800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "setting" (
        "key" text PRIMARY KEY NOT NULL CHECK (length("key") BETWEEN 1 AND 128),
        "value" text NOT NULL CHECK (json_valid("value")),
        "updated_at" text NOT NULL
      )`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "setting"`);
  }
}
