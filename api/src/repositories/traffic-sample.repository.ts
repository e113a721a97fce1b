import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** Whose history a row is: an upstream tunnel profile's, or a remote device's. */
export type TrafficSeries = 'profile' | 'remote_device';

/** Each series' owner column in `traffic_sample` and the table its rows go with. Fixed names, never input. */
const SERIES: Record<TrafficSeries, { readonly column: string; readonly owners: string }> = {
  profile: { column: 'profile_id', owners: 'tunnel_profile' },
  remote_device: { column: 'remote_device_id', owners: 'remote_device' },
};

/** Bytes one owner (a profile or a remote device) carried in one minute (epoch seconds, the minute's start). */
export interface MinuteSample {
  readonly series: TrafficSeries;
  readonly ownerId: number;
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
  /** The newest this many rows of each owner are kept whatever their times (a clock that jumped). */
  readonly maxRowsPerOwner: number;
}

/**
 * Traffic history in `traffic_sample`, one series per owner kind. Sums are added in SQL (upsert), so a bucket
 * written twice (a flush in the same minute as the previous one, or a fold into an hour that has a row already)
 * adds up instead of overwriting.
 */
@Injectable()
export class TrafficSampleRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Adds the minutes and ages the history of every series, in one transaction: one write to the SD card per
   * flush. Samples of an owner deleted since they were counted are dropped (its history went with it).
   */
  async flush(samples: readonly MinuteSample[], retention: TrafficRetention): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      for (const [series, { column, owners }] of Object.entries(SERIES)) {
        const own = samples.filter((sample) => sample.series === series);
        if (own.length > 0) {
          await manager.query(
            `INSERT INTO "traffic_sample" ("${column}", "resolution", "bucket", "rx_bytes", "tx_bytes")
             SELECT json_extract(value, '$[0]'), 'minute', json_extract(value, '$[1]'), json_extract(value, '$[2]'), json_extract(value, '$[3]')
             FROM json_each(?) WHERE json_extract(value, '$[0]') IN (SELECT "id" FROM "${owners}")
             ON CONFLICT ("${column}", "resolution", "bucket") DO UPDATE SET
               "rx_bytes" = "rx_bytes" + excluded."rx_bytes",
               "tx_bytes" = "tx_bytes" + excluded."tx_bytes"`,
            [JSON.stringify(own.map((sample) => [sample.ownerId, sample.bucket, sample.rxBytes, sample.txBytes]))],
          );
        }
        await manager.query(
          `INSERT INTO "traffic_sample" ("${column}", "resolution", "bucket", "rx_bytes", "tx_bytes")
           SELECT "${column}", 'hour', "bucket" - "bucket" % 3600, sum("rx_bytes"), sum("tx_bytes")
           FROM "traffic_sample" WHERE "${column}" IS NOT NULL AND "resolution" = 'minute' AND "bucket" < ?
           GROUP BY "${column}", "bucket" - "bucket" % 3600
           ON CONFLICT ("${column}", "resolution", "bucket") DO UPDATE SET
             "rx_bytes" = "rx_bytes" + excluded."rx_bytes",
             "tx_bytes" = "tx_bytes" + excluded."tx_bytes"`,
          [retention.foldBefore],
        );
      }
      await manager.query(`DELETE FROM "traffic_sample" WHERE "resolution" = 'minute' AND "bucket" < ?`, [
        retention.foldBefore,
      ]);
      await manager.query(
        `DELETE FROM "traffic_sample" WHERE ("resolution" = 'hour' AND "bucket" < ?) OR "bucket" >= ?`,
        [retention.dropBefore, retention.dropAfter],
      );
      // Exactly one owner column is set in a row, so the pair partitions by owner.
      await manager.query(
        `DELETE FROM "traffic_sample" WHERE rowid IN (
           SELECT rowid FROM (
             SELECT rowid, row_number() OVER (
               PARTITION BY "profile_id", "remote_device_id" ORDER BY "bucket" DESC
             ) AS "newer"
             FROM "traffic_sample"
           ) WHERE "newer" > ?
         )`,
        [retention.maxRowsPerOwner],
      );
    });
  }

  /** An owner's buckets (minutes and hours) that start in `[from, to)`, epoch seconds. */
  async read(
    series: TrafficSeries,
    ownerId: number,
    from: number,
    to: number,
  ): Promise<Array<{ bucket: number; rxBytes: number; txBytes: number }>> {
    return this.dataSource.query(
      `SELECT "bucket", "rx_bytes" AS "rxBytes", "tx_bytes" AS "txBytes" FROM "traffic_sample"
       WHERE "${SERIES[series].column}" = ? AND "bucket" >= ? AND "bucket" < ?`,
      [ownerId, from, to],
    );
  }
}
