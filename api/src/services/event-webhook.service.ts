import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  Optional,
} from '@nestjs/common';
import {
  type EventDetails,
  type EventKind,
  type EventSeverity,
  type WebhookDeliveryDto,
  type WebhookSettingsDto,
} from '../dtos/event.dto.js';
import { HostRepository } from '../repositories/host.repository.js';
import { SettingRepository } from '../repositories/setting.repository.js';
import { WebhookRepository } from '../repositories/webhook.repository.js';
import { AuditService } from './audit.service.js';
import { type ClientInfo } from './client-info.js';
import { DomainError } from './domain-error.js';
import { checkWebhookUrl } from './webhook-url.js';

export const WEBHOOK_URL_KEY = 'events.webhookUrl';

export interface WebhookTiming {
  /** One POST gets this long to answer. */
  timeoutMs: number;
  /** The wait before each retry; after the last, the event is given up. */
  retryDelaysMs: readonly number[];
  /** Events waiting at most; a newer one pushes out the oldest. */
  queueMax: number;
}

export const WEBHOOK_TIMING: WebhookTiming = {
  timeoutMs: 5_000,
  retryDelaysMs: [5_000, 30_000, 2 * 60_000, 10 * 60_000],
  queueMax: 100,
};
/** Injection token for other timing (tests shorten the waits). */
export const WEBHOOK_TIMING_TOKEN = Symbol('WebhookTiming');

/** An event as the webhook gets it. */
export interface WebhookEvent {
  kind: EventKind;
  severity: EventSeverity;
  /** ISO 8601. */
  at: string;
  message: string;
  details: EventDetails;
}

interface Delivery {
  readonly event: WebhookEvent;
  /** Attempts made so far. */
  attempts: number;
  /** Not before this (epoch ms). */
  dueAt: number;
}

/**
 * Sends each event to the webhook the admin set (ntfy, Gotify, Home Assistant, a chat bot): a JSON POST, retried
 * with growing waits, then given up. Recording an event only queues it here, so a slow or dead webhook never holds
 * anything up; the queue is bounded, one POST is out at a time, oldest due first. The URL may carry a token: it
 * is shown to admins only and never logged.
 */
@Injectable()
export class EventWebhookService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(EventWebhookService.name);
  private queue: Delivery[] = [];
  /** The URL as stored; undefined until read once. */
  private url: string | null | undefined;
  private last: WebhookDeliveryDto | null = null;
  private draining = false;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly settings: SettingRepository,
    private readonly webhook: WebhookRepository,
    private readonly host: HostRepository,
    private readonly audit: AuditService,
    /** Public so a test can shorten the waits of a running app. */
    @Optional() @Inject(WEBHOOK_TIMING_TOKEN) public timing: WebhookTiming = WEBHOOK_TIMING,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.currentUrl();
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    this.clearTimer();
  }

  async status(): Promise<WebhookSettingsDto> {
    return { url: (await this.currentUrl()) ?? '', lastDelivery: this.last, pending: this.queue.length };
  }

  /** Sets (or with an empty string, clears) the URL; audited without the URL, which may hold a token. */
  async setUrl(input: string, actor: { username: string }, client: ClientInfo): Promise<WebhookSettingsDto> {
    const url = checkWebhookUrl(input);
    const before = await this.currentUrl();
    if (url !== before) {
      await this.settings.write(new Map([[WEBHOOK_URL_KEY, url]]), new Date());
      this.url = url;
      await this.audit.record({
        action: 'events.webhook_changed',
        actor,
        address: client.address,
        details: { enabled: url !== null, host: url === null ? null : new URL(url).host },
      });
      if (url === null) {
        this.queue = [];
      } else {
        // Events waiting for a dead URL get a fresh chance at the new one.
        this.queue.forEach((delivery) => (delivery.dueAt = 0));
        this.kick();
      }
    }
    return this.status();
  }

  /** Sends one test event now, outside the queue, and answers how it went. */
  async test(): Promise<WebhookDeliveryDto> {
    const url = await this.currentUrl();
    if (url === null) {
      throw new DomainError('conflict', 'webhook_not_set', 'Set a webhook URL first, then send a test');
    }
    const event: WebhookEvent = {
      kind: 'webhook.test',
      severity: 'info',
      at: new Date().toISOString(),
      message: 'A test from your Burrow router: events will arrive like this one',
      details: {},
    };
    return this.attempt(url, { event, attempts: 0, dueAt: 0 }, true);
  }

  /** Queues the event for the webhook, if one is set; returns at once. */
  enqueue(event: WebhookEvent): void {
    if (this.url === null || this.stopped) {
      return;
    }
    this.queue.push({ event, attempts: 0, dueAt: 0 });
    if (this.queue.length > this.timing.queueMax) {
      const dropped = this.queue.shift()!;
      this.logger.warn(`webhook queue full: gave up on a ${dropped.event.kind} event`);
    }
    this.kick();
  }

  private kick(): void {
    if (this.draining || this.stopped) {
      return;
    }
    this.clearTimer();
    void this.drain();
  }

  /** Sends what is due, one at a time, then sleeps until the next retry is due. */
  private async drain(): Promise<void> {
    this.draining = true;
    try {
      for (;;) {
        const url = await this.currentUrl();
        if (this.stopped) {
          return;
        }
        if (url === null) {
          this.queue = [];
          return;
        }
        const now = Date.now();
        const due = this.queue.find((delivery) => delivery.dueAt <= now);
        if (due === undefined) {
          this.sleepUntilDue();
          return;
        }
        const outcome = await this.attempt(url, due, false);
        if (outcome.ok || outcome.final) {
          this.queue = this.queue.filter((delivery) => delivery !== due);
        } else {
          due.dueAt = Date.now() + this.timing.retryDelaysMs[due.attempts - 1]!;
        }
      }
    } catch (error) {
      // The URL could not be read (the database): try again after the first wait.
      this.logger.error(`webhook delivery stopped: ${String(error)}`);
      this.schedule(this.timing.retryDelaysMs[0] ?? 5_000);
    } finally {
      this.draining = false;
    }
  }

  private async attempt(url: string, delivery: Delivery, isTest: boolean): Promise<WebhookDeliveryDto> {
    delivery.attempts += 1;
    const { event } = delivery;
    const outcome = await this.webhook.post(url, this.payload(event), this.timing.timeoutMs);
    const final = isTest || delivery.attempts > this.timing.retryDelaysMs.length;
    const result: WebhookDeliveryDto = {
      at: new Date().toISOString(),
      ok: outcome.ok,
      status: outcome.status,
      error: outcome.error,
      kind: event.kind,
      attempt: delivery.attempts,
      final: !outcome.ok && final,
    };
    this.last = result;
    if (!outcome.ok) {
      const next = result.final ? 'giving up' : 'will retry';
      this.logger.warn(
        `webhook delivery of ${event.kind} failed (attempt ${delivery.attempts}, ${next}): ${outcome.error}`,
      );
    }
    return result;
  }

  private payload(event: WebhookEvent) {
    const router = this.host.hostname();
    // `title` and `message` are the fields Gotify and many chat bots show as they are.
    return { ...event, router, title: `${router}: ${event.message}` };
  }

  private async currentUrl(): Promise<string | null> {
    if (this.url === undefined) {
      const stored = (await this.settings.read([WEBHOOK_URL_KEY])).get(WEBHOOK_URL_KEY);
      this.url = typeof stored === 'string' && stored !== '' ? stored : null;
    }
    return this.url;
  }

  private sleepUntilDue(): void {
    if (this.queue.length === 0) {
      return;
    }
    const next = Math.min(...this.queue.map((delivery) => delivery.dueAt));
    this.schedule(Math.max(0, next - Date.now()));
  }

  private schedule(delayMs: number): void {
    this.clearTimer();
    this.timer = setTimeout(() => {
      this.timer = null;
      this.kick();
    }, delayMs);
    this.timer.unref();
  }

  private clearTimer(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
  }
}
