import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { RemoteDeviceEntity, type RemoteDeviceReach } from '../entities/remote-device.entity.js';

export interface RemoteDeviceRecord {
  id: number;
  name: string;
  publicKey: string;
  /** A secret: goes to burrowd in the desired state and into the device's .conf, never into any other answer. */
  presharedKey: string;
  addressV4: string;
  addressV6: string | null;
  reach: RemoteDeviceReach;
  enabled: boolean;
  expiresAt: string | null;
  keysGeneratedOnBox: boolean;
  firstHandshakeAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export type NewRemoteDevice = Omit<RemoteDeviceRecord, 'id' | 'firstHandshakeAt' | 'createdAt' | 'updatedAt'>;

export type RemoteDeviceChanges = Partial<
  Pick<
    RemoteDeviceRecord,
    | 'name'
    | 'reach'
    | 'enabled'
    | 'expiresAt'
    | 'publicKey'
    | 'presharedKey'
    | 'keysGeneratedOnBox'
    | 'firstHandshakeAt'
  >
>;

/** The devices allowed in through remote access, oldest first. */
@Injectable()
export class RemoteDeviceRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async list(): Promise<RemoteDeviceRecord[]> {
    const rows = await this.dataSource.getRepository(RemoteDeviceEntity).find({ order: { id: 'ASC' } });
    return rows.map(toRecord);
  }

  async findById(id: number): Promise<RemoteDeviceRecord | null> {
    const row = await this.dataSource.getRepository(RemoteDeviceEntity).findOneBy({ id });
    return row === null ? null : toRecord(row);
  }

  async insert(device: NewRemoteDevice, at: Date): Promise<number> {
    const now = at.toISOString();
    const saved = await this.dataSource
      .getRepository(RemoteDeviceEntity)
      .save({ ...device, firstHandshakeAt: null, createdAt: now, updatedAt: now });
    return saved.id;
  }

  /** False when there is no such device. */
  async update(id: number, changes: RemoteDeviceChanges, at: Date): Promise<boolean> {
    const result = await this.dataSource
      .getRepository(RemoteDeviceEntity)
      .update(id, { ...changes, updatedAt: at.toISOString() });
    return (result.affected ?? 0) > 0;
  }

  async delete(id: number): Promise<boolean> {
    const result = await this.dataSource.getRepository(RemoteDeviceEntity).delete({ id });
    return (result.affected ?? 0) > 0;
  }
}

function toRecord(row: RemoteDeviceEntity): RemoteDeviceRecord {
  return {
    id: row.id,
    name: row.name,
    publicKey: row.publicKey,
    presharedKey: row.presharedKey,
    addressV4: row.addressV4,
    addressV6: row.addressV6,
    reach: row.reach,
    enabled: Boolean(row.enabled),
    expiresAt: row.expiresAt,
    keysGeneratedOnBox: Boolean(row.keysGeneratedOnBox),
    firstHandshakeAt: row.firstHandshakeAt,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}
