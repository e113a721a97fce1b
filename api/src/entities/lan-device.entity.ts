import { Column, Entity, PrimaryColumn } from 'typeorm';

export type LanDevicePolicy = 'tunnel' | 'blocked' | 'direct';

/**
 * A device of the household's LAN, keyed by MAC (so it keeps its policy when its address changes): seen in
 * burrowd's report (DHCP leases, neighbour table), or set up ahead by an admin (a reservation before it joins).
 */
@Entity('lan_device')
export class LanDeviceEntity {
  /** Canonical: lowercase, colon-separated. */
  @PrimaryColumn({ type: 'text' })
  mac: string;

  /** The admin's name for it; null: its DHCP host name. */
  @Column({ type: 'text', nullable: true })
  name: string | null;

  @Column({ type: 'text', nullable: true })
  hostname: string | null;

  @Column({ type: 'text' })
  policy: LanDevicePolicy;

  /** A reserved IPv4 address (static lease); unique. */
  @Column({ type: 'text', nullable: true })
  reservation: string | null;

  /** Null for a device set up ahead and not seen yet. */
  @Column({ name: 'first_seen', type: 'text', nullable: true })
  firstSeen: string | null;

  @Column({ name: 'last_seen', type: 'text', nullable: true })
  lastSeen: string | null;

  /** JSON arrays of the addresses last reported. */
  @Column({ type: 'text' })
  ipv4: string;

  @Column({ type: 'text' })
  ipv6: string;

  /** Bytes accumulated across burrowd's counter resets. */
  @Column({ name: 'rx_bytes', type: 'integer' })
  rxBytes: number;

  @Column({ name: 'tx_bytes', type: 'integer' })
  txBytes: number;

  @Column({ name: 'created_at', type: 'text' })
  createdAt: string;
}
