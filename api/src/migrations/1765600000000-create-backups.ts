import { type MigrationInterface, type QueryRunner } from 'typeorm';

/** Issue #12: the list of backup files kept in `<dataDir>/backups/`. */
export class CreateBackups1765600000000 implements MigrationInterface {
  name = 'CreateBackups1765600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "backup" (
        "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
        "kind" text NOT NULL CHECK ("kind" IN ('manual', 'daily', 'pre-restore')),
        "created_at" text NOT NULL,
        "file_name" text NOT NULL UNIQUE,
        "size" integer NOT NULL CHECK ("size" >= 0),
        "sha256" text NOT NULL CHECK (length("sha256") = 64),
        "passphrase_protected" boolean NOT NULL,
        "created_by" text
      )`,
    );
    await queryRunner.query(`CREATE INDEX "backup_kind_created_at" ON "backup" ("kind", "created_at")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "backup"`);
  }
}
