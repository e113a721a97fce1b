import { Column, Entity, PrimaryColumn } from 'typeorm';

export type TrafficResolution = 'minute' | 'hour';

/**
 * Bytes a tunnel profile carried in one bucket: a minute for the last day, an hour for the last month (older
 * minutes are folded into their hour, see TrafficSampleRepository.compact). `bucket` is the bucket's start in epoch
 * seconds, UTC; rx is what came in through the tunnel, tx what went out.
 */
@Entity('traffic_sample')
export class TrafficSampleEntity {
  @PrimaryColumn({ name: 'profile_id', type: 'integer' })
  profileId: number;

  @PrimaryColumn({ type: 'text' })
  resolution: TrafficResolution;

  @PrimaryColumn({ type: 'integer' })
  bucket: number;

  @Column({ name: 'rx_bytes', type: 'integer' })
  rxBytes: number;

  @Column({ name: 'tx_bytes', type: 'integer' })
  txBytes: number;
}
