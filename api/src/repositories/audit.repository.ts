import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditEventEntity } from '../entities/audit-event.entity.js';

export type NewAuditEvent = Omit<AuditEventEntity, 'id' | 'count' | 'lastAt' | 'groupKey'>;

/** The rows one retention limit covers: those whose action is in `actions`, or (`except`) is not. */
export interface RetentionClass {
  actions: readonly string[];
  except: boolean;
  maxRows: number;
}

export interface AuditFilter {
  action?: string;
  /** Compared case-insensitively. */
  username?: string;
  /** ISO timestamps, inclusive. */
  from?: string;
  to?: string;
  /** Only events with a smaller id: the paging cursor. */
  before?: number;
  limit: number;
}

/** The audit log; each retention class is kept to its own newest rows. */
@Injectable()
export class AuditRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private get events() {
    return this.dataSource.getRepository(AuditEventEntity);
  }

  /** Appends the event, then drops whatever of its class has fallen past the class's newest rows. */
  async insert(event: NewAuditEvent, retention: RetentionClass): Promise<void> {
    await this.events.insert({ ...event, count: 1, lastAt: null, groupKey: null });
    await this.trim(retention);
  }

  /**
   * Adds the event to the row of `groupKey` (one more in its count, a later `last_at`), or starts that row: one
   * atomic upsert, so concurrent failures are all counted. Then trims the class as `insert` does.
   */
  async insertSummed(event: NewAuditEvent, groupKey: string, retention: RetentionClass): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO "audit_event" ("at", "username", "address", "action", "target", "details", "origin", "count", "last_at", "group_key")
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?8, 1, ?1, ?7)
       ON CONFLICT ("group_key") DO UPDATE SET
         "count" = "count" + 1,
         "last_at" = max(coalesce("last_at", "at"), excluded."last_at")`,
      [event.at, event.username, event.address, event.action, event.target, event.details, groupKey, event.origin],
    );
    await this.trim(retention);
  }

  private async trim({ actions, except, maxRows }: RetentionClass): Promise<void> {
    const inClass = `"action" ${except ? 'NOT IN' : 'IN'} (${actions.map(() => '?').join(', ')})`;
    await this.dataSource.query(
      `DELETE FROM "audit_event" WHERE ${inClass} AND "id" <= (
         SELECT "id" FROM "audit_event" WHERE ${inClass} ORDER BY "id" DESC LIMIT 1 OFFSET ?
       )`,
      [...actions, ...actions, maxRows],
    );
  }

  /** Newest first. */
  list(filter: AuditFilter): Promise<AuditEventEntity[]> {
    const query = this.events.createQueryBuilder('event').orderBy('event.id', 'DESC').limit(filter.limit);
    if (filter.action !== undefined) {
      query.andWhere('event.action = :action', { action: filter.action });
    }
    if (filter.username !== undefined) {
      query.andWhere('event.username = :username COLLATE NOCASE', { username: filter.username });
    }
    if (filter.from !== undefined) {
      query.andWhere('event.at >= :from', { from: filter.from });
    }
    if (filter.to !== undefined) {
      query.andWhere('event.at <= :to', { to: filter.to });
    }
    if (filter.before !== undefined) {
      query.andWhere('event.id < :before', { before: filter.before });
    }
    return query.getMany();
  }
}
