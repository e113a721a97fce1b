import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Issue #13: a password the recovery console set (a one-time password) must be changed at the next sign-in; until it
 * is, the session reaches nothing but its own password change and signing out. Existing users are not concerned.
 */
export class PasswordMustChange1765800000000 implements MigrationInterface {
  name = 'PasswordMustChange1765800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "user" ADD COLUMN "password_must_change" integer NOT NULL DEFAULT 0 CHECK ("password_must_change" IN (0, 1))`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "user" DROP COLUMN "password_must_change"`);
  }
}
