import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type TrafficResolution = 'minute' | 'hour';

/**
 * Bytes a tunnel profile or a remote device carried in one bucket: a minute for the last day, an hour for the
 * last month (older minutes are folded into their hour, see TrafficSampleRepository.flush). Exactly one of
 * `profileId` and `remoteDeviceId` is set. `bucket` is the bucket's start in epoch seconds, UTC; rx is what came in
 * (through the tunnel, or from the device), tx what went out.
 */
@Entity('traffic_sample')
export class TrafficSampleEntity {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id: number;

  @Column({ name: 'profile_id', type: 'integer', nullable: true })
  profileId: number | null;

  @Column({ name: 'remote_device_id', type: 'integer', nullable: true })
  remoteDeviceId: number | null;

  @Column({ type: 'text' })
  resolution: TrafficResolution;

  @Column({ type: 'integer' })
  bucket: number;

  @Column({ name: 'rx_bytes', type: 'integer' })
  rxBytes: number;

  @Column({ name: 'tx_bytes', type: 'integer' })
  txBytes: number;
}
