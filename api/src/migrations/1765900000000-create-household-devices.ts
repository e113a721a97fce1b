import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Issue #15: remote access (the router as a WireGuard server: one settings row with its key, and the devices
 * allowed in) and the household's LAN devices (policy, reservation, what was seen of each).
 */
export class CreateHouseholdDevices1765900000000 implements MigrationInterface {
  name = 'CreateHouseholdDevices1765900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "remote_access" (
        "id" integer PRIMARY KEY NOT NULL CHECK ("id" = 1),
        "enabled" boolean NOT NULL CHECK ("enabled" IN (0, 1)),
        "listen_port" integer NOT NULL CHECK ("listen_port" BETWEEN 1 AND 65535),
        "address_v4" text NOT NULL,
        "address_v6" text,
        "endpoint_host" text,
        "private_key" text,
        "updated_at" text NOT NULL
      )`,
    );
    await queryRunner.query(
      `CREATE TABLE "remote_device" (
        "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
        "name" text NOT NULL CHECK (length("name") BETWEEN 1 AND 64),
        "public_key" text NOT NULL UNIQUE,
        "preshared_key" text NOT NULL,
        "address_v4" text NOT NULL UNIQUE,
        "address_v6" text UNIQUE,
        "reach" text NOT NULL CHECK ("reach" IN ('lan', 'internet')),
        "enabled" boolean NOT NULL CHECK ("enabled" IN (0, 1)),
        "expires_at" text,
        "keys_generated_on_box" boolean NOT NULL CHECK ("keys_generated_on_box" IN (0, 1)),
        "first_handshake_at" text,
        "created_at" text NOT NULL,
        "updated_at" text NOT NULL
      )`,
    );
    await queryRunner.query(
      `CREATE TABLE "lan_device" (
        "mac" text PRIMARY KEY NOT NULL,
        "name" text CHECK ("name" IS NULL OR length("name") BETWEEN 1 AND 64),
        "hostname" text,
        "policy" text NOT NULL DEFAULT 'tunnel' CHECK ("policy" IN ('tunnel', 'blocked', 'direct')),
        "reservation" text UNIQUE,
        "first_seen" text,
        "last_seen" text,
        "ipv4" text NOT NULL DEFAULT '[]' CHECK (json_valid("ipv4")),
        "ipv6" text NOT NULL DEFAULT '[]' CHECK (json_valid("ipv6")),
        "rx_bytes" integer NOT NULL DEFAULT 0,
        "tx_bytes" integer NOT NULL DEFAULT 0,
        "created_at" text NOT NULL
      )`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "lan_device"`);
    await queryRunner.query(`DROP TABLE "remote_device"`);
    await queryRunner.query(`DROP TABLE "remote_access"`);
  }
}
