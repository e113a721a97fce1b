import { type MigrationInterface, type QueryRunner } from 'typeorm';

const COLUMNS = `"resolution" text NOT NULL CHECK ("resolution" IN ('minute', 'hour')),
        "bucket" integer NOT NULL CHECK ("bucket" >= 0),
        "rx_bytes" integer NOT NULL CHECK ("rx_bytes" >= 0),
        "tx_bytes" integer NOT NULL CHECK ("tx_bytes" >= 0)`;

/**
 * Issue #15: remote devices keep their traffic history in `traffic_sample` too, beside the tunnel profiles'. A row
 * belongs to exactly one profile or one remote device and goes with it. SQLite cannot change a primary key in
 * place, so the table is rebuilt: a rowid key, and one unique key per owner column (the order reads and folds walk;
 * NULLs never clash, so each owner's rows only meet their own).
 */
export class TrafficSampleSeries1766000000000 implements MigrationInterface {
  name = 'TrafficSampleSeries1766000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "traffic_sample_new" (
        "id" integer PRIMARY KEY NOT NULL,
        "profile_id" integer REFERENCES "tunnel_profile" ("id") ON DELETE CASCADE,
        "remote_device_id" integer REFERENCES "remote_device" ("id") ON DELETE CASCADE,
        ${COLUMNS},
        CHECK (("profile_id" IS NULL) <> ("remote_device_id" IS NULL)),
        UNIQUE ("profile_id", "resolution", "bucket"),
        UNIQUE ("remote_device_id", "resolution", "bucket")
      )`,
    );
    await queryRunner.query(
      `INSERT INTO "traffic_sample_new" ("profile_id", "resolution", "bucket", "rx_bytes", "tx_bytes")
       SELECT "profile_id", "resolution", "bucket", "rx_bytes", "tx_bytes" FROM "traffic_sample"`,
    );
    await queryRunner.query(`DROP TABLE "traffic_sample"`);
    await queryRunner.query(`ALTER TABLE "traffic_sample_new" RENAME TO "traffic_sample"`);
  }

  /** The remote devices' history has nowhere to go back to: it is dropped. */
  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "traffic_sample_old" (
        "profile_id" integer NOT NULL REFERENCES "tunnel_profile" ("id") ON DELETE CASCADE,
        ${COLUMNS},
        PRIMARY KEY ("profile_id", "resolution", "bucket")
      )`,
    );
    await queryRunner.query(
      `INSERT INTO "traffic_sample_old" ("profile_id", "resolution", "bucket", "rx_bytes", "tx_bytes")
       SELECT "profile_id", "resolution", "bucket", "rx_bytes", "tx_bytes" FROM "traffic_sample"
       WHERE "profile_id" IS NOT NULL`,
    );
    await queryRunner.query(`DROP TABLE "traffic_sample"`);
    await queryRunner.query(`ALTER TABLE "traffic_sample_old" RENAME TO "traffic_sample"`);
  }
}
