import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Where each audit event came from: the web page (or the API), the recovery console, or the router by itself (a
 * failover, a daily backup, a certificate renewed when its names changed). Older rows were all recorded by the API:
 * the web, except those with neither a person nor an address, which the system made.
 */
export class AuditOrigin1765700000000 implements MigrationInterface {
  name = 'AuditOrigin1765700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "audit_event" ADD COLUMN "origin" text NOT NULL DEFAULT 'web' CHECK ("origin" IN ('web', 'console', 'system'))`,
    );
    await queryRunner.query(
      `UPDATE "audit_event" SET "origin" = 'system' WHERE "username" IS NULL AND "address" IS NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "audit_event" DROP COLUMN "origin"`);
  }
}
