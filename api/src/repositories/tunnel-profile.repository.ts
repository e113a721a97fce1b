import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { TunnelProfileEntity } from '../entities/tunnel-profile.entity.js';
import { type WgQuickProfile } from '../tunnels/wg-quick-profile.js';
import { queryReturning } from './sql.js';

export interface TunnelProfileRecord {
  id: number;
  name: string;
  priority: number;
  enabled: boolean;
  profile: WgQuickProfile;
  createdAt: string;
  updatedAt: string;
}

export interface TunnelProfileChanges {
  name?: { name: string; key: string };
  enabled?: boolean;
  /** The new place in the list, 0 first; the others shift to make room. */
  priority?: number;
}

export type TunnelChangeResult = 'ok' | 'not_found' | 'name_taken';

/**
 * The provider profiles in priority order. Priorities stay dense (0..n-1): every insert, move and delete
 * renumbers inside one transaction, so the order burrowd receives never has gaps or ties.
 */
@Injectable()
export class TunnelProfileRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async list(): Promise<TunnelProfileRecord[]> {
    const rows = await this.dataSource.getRepository(TunnelProfileEntity).find({ order: { priority: 'ASC' } });
    return rows.map(toRecord);
  }

  async findById(id: number): Promise<TunnelProfileRecord | null> {
    const row = await this.dataSource.getRepository(TunnelProfileEntity).findOneBy({ id });
    return row === null ? null : toRecord(row);
  }

  /** Adds the profile last in priority; undefined when the name is taken or `max` profiles exist already. */
  async insert(
    name: { name: string; key: string },
    profile: WgQuickProfile,
    max: number,
    at: Date,
  ): Promise<number | undefined> {
    const now = at.toISOString();
    const rows = await queryReturning<{ id: number }>(
      this.dataSource,
      `INSERT INTO "tunnel_profile" ("name", "name_key", "priority", "enabled", "profile", "created_at", "updated_at")
       SELECT ?, ?, (SELECT count(*) FROM "tunnel_profile"), 1, ?, ?, ?
       WHERE (SELECT count(*) FROM "tunnel_profile") < ?
       ON CONFLICT ("name_key") DO NOTHING
       RETURNING "id"`,
      [name.name, name.key, JSON.stringify(profile), now, now, max],
    );
    return rows[0]?.id;
  }

  async count(): Promise<number> {
    return this.dataSource.getRepository(TunnelProfileEntity).count();
  }

  async update(id: number, changes: TunnelProfileChanges, at: Date): Promise<TunnelChangeResult> {
    return this.dataSource.transaction(async (manager) => {
      const repository = manager.getRepository(TunnelProfileEntity);
      const row = await repository.findOneBy({ id });
      if (row === null) {
        return 'not_found';
      }
      if (changes.name !== undefined) {
        const holder = await repository.findOneBy({ nameKey: changes.name.key });
        if (holder !== null && holder.id !== id) {
          return 'name_taken';
        }
      }
      await repository.update(id, {
        ...(changes.name === undefined ? {} : { name: changes.name.name, nameKey: changes.name.key }),
        ...(changes.enabled === undefined ? {} : { enabled: changes.enabled }),
        updatedAt: at.toISOString(),
      });
      if (changes.priority !== undefined) {
        await renumber(manager, id, changes.priority);
      }
      return 'ok';
    });
  }

  async delete(id: number): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      const result = await manager.getRepository(TunnelProfileEntity).delete({ id });
      await renumber(manager);
      return result.affected === 1;
    });
  }
}

/** Rewrites priorities as 0..n-1 in their current order, with `moved` (if given) put at `position`. */
async function renumber(manager: EntityManager, moved?: number, position = 0): Promise<void> {
  const repository = manager.getRepository(TunnelProfileEntity);
  const ids = (await repository.find({ select: { id: true }, order: { priority: 'ASC' } })).map((row) => row.id);
  if (moved !== undefined) {
    ids.splice(ids.indexOf(moved), 1);
    ids.splice(Math.min(position, ids.length), 0, moved);
  }
  for (const [index, id] of ids.entries()) {
    await repository.update(id, { priority: index });
  }
}

function toRecord(row: TunnelProfileEntity): TunnelProfileRecord {
  return {
    id: row.id,
    name: row.name,
    priority: row.priority,
    enabled: Boolean(row.enabled),
    profile: JSON.parse(row.profile) as WgQuickProfile,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}
