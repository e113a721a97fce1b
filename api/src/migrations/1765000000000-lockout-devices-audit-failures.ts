import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Issue #9. Sign-in failures are summed in the audit log (a count, the last time, and the key of the row they
 * are summed into); attempts are also counted per known device; the server's secrets get their own table.
 */
export class LockoutDevicesAuditFailures1765000000000 implements MigrationInterface {
  name = 'LockoutDevicesAuditFailures1765000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "audit_event" ADD COLUMN "count" integer NOT NULL DEFAULT 1 CHECK ("count" >= 1)`,
    );
    await queryRunner.query(`ALTER TABLE "audit_event" ADD COLUMN "last_at" text`);
    await queryRunner.query(`ALTER TABLE "audit_event" ADD COLUMN "group_key" text`);
    // NULLs are distinct in a unique index: only summed rows ever conflict.
    await queryRunner.query(`CREATE UNIQUE INDEX "audit_event_group_key" ON "audit_event" ("group_key")`);
    await queryRunner.query(`CREATE INDEX "audit_event_action" ON "audit_event" ("action", "id")`);

    // SQLite cannot change a CHECK constraint in place: the counters move to a new table.
    await queryRunner.query(
      `CREATE TABLE "login_attempt_new" (
        "scope" text NOT NULL CHECK ("scope" IN ('username', 'address', 'device')),
        "key" text NOT NULL,
        "failures" integer NOT NULL CHECK ("failures" >= 1),
        "last_failure_at" integer NOT NULL,
        "locked_until" integer,
        "previous_locked_until" integer,
        PRIMARY KEY ("scope", "key")
      )`,
    );
    await queryRunner.query(`INSERT INTO "login_attempt_new" SELECT * FROM "login_attempt"`);
    await queryRunner.query(`DROP TABLE "login_attempt"`);
    await queryRunner.query(`ALTER TABLE "login_attempt_new" RENAME TO "login_attempt"`);

    await queryRunner.query(
      `CREATE TABLE "server_secret" (
        "name" text PRIMARY KEY NOT NULL CHECK (length("name") BETWEEN 1 AND 64),
        "value" text NOT NULL CHECK (length("value") >= 32),
        "created_at" text NOT NULL
      )`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "server_secret"`);
    await queryRunner.query(`DELETE FROM "login_attempt" WHERE "scope" = 'device'`);
    await queryRunner.query(
      `CREATE TABLE "login_attempt_old" (
        "scope" text NOT NULL CHECK ("scope" IN ('username', 'address')),
        "key" text NOT NULL,
        "failures" integer NOT NULL CHECK ("failures" >= 1),
        "last_failure_at" integer NOT NULL,
        "locked_until" integer,
        "previous_locked_until" integer,
        PRIMARY KEY ("scope", "key")
      )`,
    );
    await queryRunner.query(`INSERT INTO "login_attempt_old" SELECT * FROM "login_attempt"`);
    await queryRunner.query(`DROP TABLE "login_attempt"`);
    await queryRunner.query(`ALTER TABLE "login_attempt_old" RENAME TO "login_attempt"`);
    await queryRunner.query(`DROP INDEX "audit_event_action"`);
    await queryRunner.query(`DROP INDEX "audit_event_group_key"`);
    await queryRunner.query(`ALTER TABLE "audit_event" DROP COLUMN "group_key"`);
    await queryRunner.query(`ALTER TABLE "audit_event" DROP COLUMN "last_at"`);
    await queryRunner.query(`ALTER TABLE "audit_event" DROP COLUMN "count"`);
  }
}
