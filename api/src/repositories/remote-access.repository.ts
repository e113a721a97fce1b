import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { RemoteAccessEntity } from '../entities/remote-access.entity.js';

export interface RemoteAccessRecord {
  enabled: boolean;
  listenPort: number;
  addressV4: string;
  addressV6: string | null;
  endpointHost: string | null;
  /** The server's private key (base64); a secret, never returned. Null before remote access was first enabled. */
  privateKey: string | null;
}

const ROW_ID = 1;

/** The one row of remote-access settings, with the server's key. */
@Injectable()
export class RemoteAccessRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Null until an admin first saved the settings. */
  async read(): Promise<RemoteAccessRecord | null> {
    const row = await this.dataSource.getRepository(RemoteAccessEntity).findOneBy({ id: ROW_ID });
    return row === null
      ? null
      : {
          enabled: Boolean(row.enabled),
          listenPort: row.listenPort,
          addressV4: row.addressV4,
          addressV6: row.addressV6,
          endpointHost: row.endpointHost,
          privateKey: row.privateKey,
        };
  }

  async write(record: RemoteAccessRecord, at: Date): Promise<void> {
    await this.dataSource
      .getRepository(RemoteAccessEntity)
      .save({ id: ROW_ID, ...record, updatedAt: at.toISOString() });
  }
}
