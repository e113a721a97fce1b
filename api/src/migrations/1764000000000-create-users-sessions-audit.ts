import { type MigrationInterface, type QueryRunner } from 'typeorm';

/** Local users, their sessions and recovery codes, sign-in failure counters, and the audit log. */
export class CreateUsersSessionsAudit1764000000000 implements MigrationInterface {
  name = 'CreateUsersSessionsAudit1764000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // AUTOINCREMENT: a deleted user's id is never handed to someone else.
    await queryRunner.query(
      `CREATE TABLE "user" (
        "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
        "username" text NOT NULL CHECK (length("username") BETWEEN 1 AND 32),
        "username_key" text NOT NULL UNIQUE,
        "password_hash" text NOT NULL CHECK ("password_hash" LIKE '$argon2id$%'),
        "role" text NOT NULL CHECK ("role" IN ('admin', 'viewer')),
        "disabled" integer NOT NULL DEFAULT 0 CHECK ("disabled" IN (0, 1)),
        "totp_secret" text,
        "totp_pending_secret" text,
        "totp_last_step" integer,
        "created_at" text NOT NULL,
        "updated_at" text NOT NULL
      )`,
    );
    await queryRunner.query(
      `CREATE TABLE "session" (
        "handle" text PRIMARY KEY NOT NULL,
        "token_hash" text NOT NULL UNIQUE CHECK (length("token_hash") = 64),
        "user_id" integer NOT NULL REFERENCES "user" ("id") ON DELETE CASCADE,
        "created_at" text NOT NULL,
        "last_seen_at" text NOT NULL,
        "address" text NOT NULL,
        "user_agent" text NOT NULL
      )`,
    );
    await queryRunner.query(`CREATE INDEX "session_user_id" ON "session" ("user_id")`);
    await queryRunner.query(
      `CREATE TABLE "recovery_code" (
        "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
        "user_id" integer NOT NULL REFERENCES "user" ("id") ON DELETE CASCADE,
        "code_hash" text NOT NULL CHECK ("code_hash" LIKE '$argon2id$%'),
        "used_at" text
      )`,
    );
    await queryRunner.query(`CREATE INDEX "recovery_code_user_id" ON "recovery_code" ("user_id")`);
    await queryRunner.query(
      `CREATE TABLE "login_attempt" (
        "scope" text NOT NULL CHECK ("scope" IN ('username', 'address')),
        "key" text NOT NULL,
        "failures" integer NOT NULL CHECK ("failures" >= 1),
        "last_failure_at" integer NOT NULL,
        "locked_until" integer,
        "previous_locked_until" integer,
        PRIMARY KEY ("scope", "key")
      )`,
    );
    await queryRunner.query(
      `CREATE TABLE "audit_event" (
        "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
        "at" text NOT NULL,
        "username" text,
        "address" text,
        "action" text NOT NULL CHECK (length("action") BETWEEN 1 AND 64),
        "target" text,
        "details" text NOT NULL DEFAULT '{}' CHECK (json_valid("details") AND json_type("details") = 'object')
      )`,
    );
    await queryRunner.query(`CREATE INDEX "audit_event_at" ON "audit_event" ("at")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "audit_event"`);
    await queryRunner.query(`DROP TABLE "login_attempt"`);
    await queryRunner.query(`DROP TABLE "recovery_code"`);
    await queryRunner.query(`DROP TABLE "session"`);
    await queryRunner.query(`DROP TABLE "user"`);
  }
}
