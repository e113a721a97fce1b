import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { LanDeviceEntity, type LanDevicePolicy } from '../entities/lan-device.entity.js';

export interface LanDeviceRecord {
  mac: string;
  name: string | null;
  hostname: string | null;
  policy: LanDevicePolicy;
  reservation: string | null;
  firstSeen: string | null;
  lastSeen: string | null;
  ipv4: string[];
  ipv6: string[];
  rxBytes: number;
  txBytes: number;
}

/** What one report said of a device, and the bytes to add to its totals. */
export interface LanDeviceSighting {
  mac: string;
  hostname: string | null;
  ipv4: string[];
  ipv6: string[];
  addRxBytes: number;
  addTxBytes: number;
}

export type LanDeviceChanges = Partial<Pick<LanDeviceRecord, 'name' | 'policy' | 'reservation'>>;

/** The household's LAN devices by MAC. */
@Injectable()
export class LanDeviceRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async list(): Promise<LanDeviceRecord[]> {
    const rows = await this.dataSource.getRepository(LanDeviceEntity).find({ order: { mac: 'ASC' } });
    return rows.map(toRecord);
  }

  async find(mac: string): Promise<LanDeviceRecord | null> {
    const row = await this.dataSource.getRepository(LanDeviceEntity).findOneBy({ mac });
    return row === null ? null : toRecord(row);
  }

  /** Records what a report saw, in one transaction: new devices get their first sighting, known ones move on. */
  async recordSightings(sightings: readonly LanDeviceSighting[], at: Date): Promise<void> {
    if (sightings.length === 0) {
      return;
    }
    const now = at.toISOString();
    await this.dataSource.transaction(async (manager) => {
      for (const seen of sightings) {
        await manager.query(
          `INSERT INTO "lan_device" ("mac", "hostname", "policy", "first_seen", "last_seen", "ipv4", "ipv6", "rx_bytes", "tx_bytes", "created_at")
           VALUES (?, ?, 'tunnel', ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT ("mac") DO UPDATE SET
             "hostname" = coalesce(excluded."hostname", "hostname"),
             "first_seen" = coalesce("first_seen", excluded."first_seen"),
             "last_seen" = excluded."last_seen",
             "ipv4" = excluded."ipv4",
             "ipv6" = excluded."ipv6",
             "rx_bytes" = "rx_bytes" + excluded."rx_bytes",
             "tx_bytes" = "tx_bytes" + excluded."tx_bytes"`,
          [
            seen.mac,
            seen.hostname,
            now,
            now,
            JSON.stringify(seen.ipv4),
            JSON.stringify(seen.ipv6),
            seen.addRxBytes,
            seen.addTxBytes,
            now,
          ],
        );
      }
    });
  }

  /** Creates the device (set up ahead) when it is not known yet; 'reservation_taken' when another holds the address. */
  async update(mac: string, changes: LanDeviceChanges, at: Date): Promise<'ok' | 'reservation_taken'> {
    return this.dataSource.transaction(async (manager) => {
      const repository = manager.getRepository(LanDeviceEntity);
      if (changes.reservation !== undefined && changes.reservation !== null) {
        const holder = await repository.findOneBy({ reservation: changes.reservation });
        if (holder !== null && holder.mac !== mac) {
          return 'reservation_taken';
        }
      }
      if ((await repository.findOneBy({ mac })) === null) {
        await repository.insert({
          mac,
          name: null,
          hostname: null,
          policy: 'tunnel',
          reservation: null,
          firstSeen: null,
          lastSeen: null,
          ipv4: '[]',
          ipv6: '[]',
          rxBytes: 0,
          txBytes: 0,
          createdAt: at.toISOString(),
        });
      }
      await repository.update({ mac }, changes);
      return 'ok';
    });
  }
}

function toRecord(row: LanDeviceEntity): LanDeviceRecord {
  return {
    mac: row.mac,
    name: row.name,
    hostname: row.hostname,
    policy: row.policy,
    reservation: row.reservation,
    firstSeen: row.firstSeen,
    lastSeen: row.lastSeen,
    ipv4: parseList(row.ipv4),
    ipv6: parseList(row.ipv6),
    rxBytes: row.rxBytes,
    txBytes: row.txBytes,
  };
}

function parseList(text: string): string[] {
  const value = JSON.parse(text) as unknown;
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}
