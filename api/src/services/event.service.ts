import { Injectable, Logger } from '@nestjs/common';
import {
  EVENT_PAGE_DEFAULT,
  type EventDetails,
  type EventDto,
  type EventKind,
  type EventListDto,
  type EventQueryDto,
  type EventSeverity,
  mapEvent,
} from '../dtos/event.dto.js';
import { EventRepository } from '../repositories/event.repository.js';
import { Clock } from './clock.js';
import { EventWebhookService } from './event-webhook.service.js';

/** The newest this many events are kept. */
export const EVENT_RETENTION = 1_000;
/** Messages and detail texts are cut to this: a reason from burrowd is for reading, not for storing whole. */
const TEXT_MAX = 500;

export interface EventInput {
  kind: Exclude<EventKind, 'webhook.test'>;
  severity: EventSeverity;
  message: string;
  details?: EventDetails;
}

export type EventListener = (event: EventDto) => void;

/**
 * What the household wants to be told about: the tunnel went down or failed over, a self-test failed, the kill
 * switch was turned off, the certificate renewed, a sign-in name locked. Each event is stored (the newest 1,000),
 * handed to the live listeners (the status streams) and queued for the webhook, which never holds the caller up.
 */
@Injectable()
export class EventService {
  private readonly logger = new Logger(EventService.name);
  private readonly listeners = new Set<EventListener>();

  constructor(
    private readonly repository: EventRepository,
    private readonly webhook: EventWebhookService,
    private readonly clock: Clock,
  ) {}

  /**
   * Records the event; returns it as listed, or null when it could not be stored. Whatever caused the event has
   * happened either way, so a failure here is logged, never thrown at the caller.
   */
  async record(input: EventInput, at: Date = this.clock.now()): Promise<EventDto | null> {
    let event: EventDto;
    try {
      const row = await this.repository.insert(
        {
          at: at.toISOString(),
          kind: input.kind,
          severity: input.severity,
          message: cut(input.message),
          details: JSON.stringify(cutDetails(input.details ?? {})),
        },
        EVENT_RETENTION,
      );
      event = mapEvent(row);
    } catch (error) {
      this.logger.error(`could not record a ${input.kind} event: ${String(error)}`);
      return null;
    }
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch (error) {
        // A listener's failure is its own: the others, and the webhook, still get the event.
        this.logger.error(`an event listener failed: ${String(error)}`);
      }
    }
    const { kind, severity, message, details } = event;
    this.webhook.enqueue({ kind, severity, at: event.at, message, details });
    return event;
  }

  /** Newest first. */
  async list(query: EventQueryDto): Promise<EventListDto> {
    const rows = await this.repository.list(query.limit ?? EVENT_PAGE_DEFAULT);
    return { events: rows.map(mapEvent) };
  }

  /** Calls `listener` with each new event until the returned function is called. */
  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }
}

function cut(text: string): string {
  return text.length <= TEXT_MAX ? text : `${text.slice(0, TEXT_MAX - 1)}…`;
}

function cutDetails(details: EventDetails): EventDetails {
  return Object.fromEntries(
    Object.entries(details).map(([key, value]) => [key, typeof value === 'string' ? cut(value) : value]),
  );
}
