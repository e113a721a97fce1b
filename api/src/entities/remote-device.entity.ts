import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type RemoteDeviceReach = 'lan' | 'internet';

/**
 * A phone or laptop allowed in through remote access. Its private key is never stored: it exists only in the
 * creation (or rekey) answer. The preshared key is kept, because it goes to burrowd in the desired state.
 */
@Entity('remote_device')
export class RemoteDeviceEntity {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id: number;

  @Column({ type: 'text' })
  name: string;

  @Column({ name: 'public_key', type: 'text' })
  publicKey: string;

  @Column({ name: 'preshared_key', type: 'text' })
  presharedKey: string;

  /** Host address in the IPv4 subnet, e.g. 10.99.0.2/32. */
  @Column({ name: 'address_v4', type: 'text' })
  addressV4: string;

  @Column({ name: 'address_v6', type: 'text', nullable: true })
  addressV6: string | null;

  @Column({ type: 'text' })
  reach: RemoteDeviceReach;

  @Column({ type: 'boolean' })
  enabled: boolean;

  @Column({ name: 'expires_at', type: 'text', nullable: true })
  expiresAt: string | null;

  @Column({ name: 'keys_generated_on_box', type: 'boolean' })
  keysGeneratedOnBox: boolean;

  /** When burrowd first reported a handshake from it (the event is sent once per key). */
  @Column({ name: 'first_handshake_at', type: 'text', nullable: true })
  firstHandshakeAt: string | null;

  @Column({ name: 'created_at', type: 'text' })
  createdAt: string;

  @Column({ name: 'updated_at', type: 'text' })
  updatedAt: string;
}
