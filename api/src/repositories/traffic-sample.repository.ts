import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** Bytes a profile carried in one minute (epoch seconds, the minute's start). */
export interface MinuteSample {
  readonly profileId: number;
  readonly bucket: number;
  readonly rxBytes: number;
  readonly txBytes: number;
}

/** How history ages, in epoch seconds and rows. */
export interface TrafficRetention {
  /** Minute rows before this (an hour's start) are folded into their hour's row. */
  readonly foldBefore: number;
  /** Hour rows before this are deleted. */
  readonly dropBefore: number;
  /** Rows from this on are deleted: written under a clock that was ahead and has since been set right. */
  readonly dropAfter: number;
  /** The newest this many rows of each profile are kept whatever their times (a clock that jumped). */
  readonly maxRowsPerProfile: number;
}

/**
 * Traffic history in `traffic_sample`. Sums are added in SQL (upsert), so a bucket written twice (a flush in the
 * same minute as the previous one, or a fold into an hour that has a row already) adds up instead of overwriting.
 */
@Injectable()
export class TrafficSampleRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Adds the minutes and ages the history, in one transaction: one write to the SD card per flush. Samples of a
   * profile deleted since they were counted are dropped (its history went with it).
   */
  async flush(samples: readonly MinuteSample[], retention: TrafficRetention): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      if (samples.length > 0) {
        await manager.query(
          `INSERT INTO "traffic_sample" ("profile_id", "resolution", "bucket", "rx_bytes", "tx_bytes")
           SELECT json_extract(value, '$[0]'), 'minute', json_extract(value, '$[1]'), json_extract(value, '$[2]'), json_extract(value, '$[3]')
           FROM json_each(?) WHERE json_extract(value, '$[0]') IN (SELECT "id" FROM "tunnel_profile")
           ON CONFLICT ("profile_id", "resolution", "bucket") DO UPDATE SET
             "rx_bytes" = "rx_bytes" + excluded."rx_bytes",
             "tx_bytes" = "tx_bytes" + excluded."tx_bytes"`,
          [JSON.stringify(samples.map((sample) => [sample.profileId, sample.bucket, sample.rxBytes, sample.txBytes]))],
        );
      }
      await manager.query(
        `INSERT INTO "traffic_sample" ("profile_id", "resolution", "bucket", "rx_bytes", "tx_bytes")
         SELECT "profile_id", 'hour', "bucket" - "bucket" % 3600, sum("rx_bytes"), sum("tx_bytes")
         FROM "traffic_sample" WHERE "resolution" = 'minute' AND "bucket" < ?
         GROUP BY "profile_id", "bucket" - "bucket" % 3600
         ON CONFLICT ("profile_id", "resolution", "bucket") DO UPDATE SET
           "rx_bytes" = "rx_bytes" + excluded."rx_bytes",
           "tx_bytes" = "tx_bytes" + excluded."tx_bytes"`,
        [retention.foldBefore],
      );
      await manager.query(`DELETE FROM "traffic_sample" WHERE "resolution" = 'minute' AND "bucket" < ?`, [
        retention.foldBefore,
      ]);
      await manager.query(
        `DELETE FROM "traffic_sample" WHERE ("resolution" = 'hour' AND "bucket" < ?) OR "bucket" >= ?`,
        [retention.dropBefore, retention.dropAfter],
      );
      await manager.query(
        `DELETE FROM "traffic_sample" WHERE rowid IN (
           SELECT rowid FROM (
             SELECT rowid, row_number() OVER (PARTITION BY "profile_id" ORDER BY "bucket" DESC) AS "newer"
             FROM "traffic_sample"
           ) WHERE "newer" > ?
         )`,
        [retention.maxRowsPerProfile],
      );
    });
  }

  /** A profile's buckets (minutes and hours) that start in `[from, to)`, epoch seconds. */
  async read(
    profileId: number,
    from: number,
    to: number,
  ): Promise<Array<{ bucket: number; rxBytes: number; txBytes: number }>> {
    return this.dataSource.query(
      `SELECT "bucket", "rx_bytes" AS "rxBytes", "tx_bytes" AS "txBytes" FROM "traffic_sample"
       WHERE "profile_id" = ? AND "bucket" >= ? AND "bucket" < ?`,
      [profileId, from, to],
    );
  }
}
