import { type MigrationInterface, type QueryRunner } from 'typeorm';

export class CreateTunnelProfiles1765200000000 implements MigrationInterface {
  name = 'CreateTunnelProfiles1765200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "tunnel_profile" (
        "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
        "name" text NOT NULL CHECK (length("name") BETWEEN 1 AND 64),
        "name_key" text NOT NULL UNIQUE,
        "priority" integer NOT NULL CHECK ("priority" >= 0),
        "enabled" boolean NOT NULL DEFAULT 1,
        "profile" text NOT NULL CHECK (json_valid("profile")),
        "created_at" text NOT NULL,
        "updated_at" text NOT NULL
      )`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "tunnel_profile"`);
  }
}
