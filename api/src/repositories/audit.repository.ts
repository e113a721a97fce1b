import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditEventEntity } from '../entities/audit-event.entity.js';

export type NewAuditEvent = Omit<AuditEventEntity, 'id'>;

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

/** The audit log, kept to its newest `maxEvents` rows. */
@Injectable()
export class AuditRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private get events() {
    return this.dataSource.getRepository(AuditEventEntity);
  }

  /** Appends the event, then drops whatever has fallen past the newest `maxEvents`. */
  async insert(event: NewAuditEvent, maxEvents: number): Promise<void> {
    await this.events.insert(event);
    await this.dataSource.query(
      `DELETE FROM "audit_event" WHERE "id" <= (SELECT "id" FROM "audit_event" ORDER BY "id" DESC LIMIT 1 OFFSET ?)`,
      [maxEvents],
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
