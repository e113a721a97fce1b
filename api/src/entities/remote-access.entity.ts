import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * The router as a WireGuard server for the household's remote devices: one row (id 1), absent until an admin first
 * saves it. `private_key` is the server's key, kept like a tunnel profile's: it goes to burrowd in the desired
 * state and is never returned (only the public key derived from it).
 */
@Entity('remote_access')
export class RemoteAccessEntity {
  @PrimaryColumn({ type: 'integer' })
  id: number;

  @Column({ type: 'boolean' })
  enabled: boolean;

  @Column({ name: 'listen_port', type: 'integer' })
  listenPort: number;

  /** The router's address with the devices' subnet, e.g. 10.99.0.1/24. */
  @Column({ name: 'address_v4', type: 'text' })
  addressV4: string;

  @Column({ name: 'address_v6', type: 'text', nullable: true })
  addressV6: string | null;

  /** What devices dial; null: the WAN address burrowd reports. */
  @Column({ name: 'endpoint_host', type: 'text', nullable: true })
  endpointHost: string | null;

  /** Base64; generated when remote access is first enabled, kept across disable/enable so devices keep working. */
  @Column({ name: 'private_key', type: 'text', nullable: true })
  privateKey: string | null;

  @Column({ name: 'updated_at', type: 'text' })
  updatedAt: string;
}
