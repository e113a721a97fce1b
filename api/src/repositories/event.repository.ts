import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { EventEntity } from '../entities/event.entity.js';

export type NewEvent = Omit<EventEntity, 'id'>;

/** The household's events, kept to the newest rows. */
@Injectable()
export class EventRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private get events() {
    return this.dataSource.getRepository(EventEntity);
  }

  /** Appends the event and drops what has fallen past the newest `maxRows`; returns the stored row. */
  async insert(event: NewEvent, maxRows: number): Promise<EventEntity> {
    const { identifiers } = await this.events.insert(event);
    await this.dataSource.query(
      `DELETE FROM "event" WHERE "id" <= (SELECT "id" FROM "event" ORDER BY "id" DESC LIMIT 1 OFFSET ?)`,
      [maxRows],
    );
    return { ...event, id: (identifiers[0] as { id: number }).id };
  }

  /** Newest first (in the order they were recorded). */
  list(limit: number): Promise<EventEntity[]> {
    return this.events.find({ order: { id: 'DESC' }, take: limit });
  }
}
