import { type MigrationInterface, type QueryRunner } from 'typeorm';

export class CreateTrafficSamples1765300000000 implements MigrationInterface {
  name = 'CreateTrafficSamples1765300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // A profile's history goes with it. The primary key is the order every read and fold walks.
    await queryRunner.query(
      `CREATE TABLE "traffic_sample" (
        "profile_id" integer NOT NULL REFERENCES "tunnel_profile" ("id") ON DELETE CASCADE,
        "resolution" text NOT NULL CHECK ("resolution" IN ('minute', 'hour')),
        "bucket" integer NOT NULL CHECK ("bucket" >= 0),
        "rx_bytes" integer NOT NULL CHECK ("rx_bytes" >= 0),
        "tx_bytes" integer NOT NULL CHECK ("tx_bytes" >= 0),
        PRIMARY KEY ("profile_id", "resolution", "bucket")
      )`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "traffic_sample"`);
  }
}
