import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { type EventDto } from '../dtos/event.dto.js';
import { type GatewayStatusDto } from '../dtos/gateway.dto.js';
import { type SystemStatusDto } from '../dtos/system-status.dto.js';
import { DomainError } from './domain-error.js';
import { EventService } from './event.service.js';
import { GatewayService } from './gateway.service.js';
import { type AuthContext, SessionService } from './session.service.js';
import { type StatusReport, StatusHubService } from './status-hub.service.js';
import { SystemService } from './system.service.js';

/** A browser with more tabs than this open on one session polls in the extra ones. */
export const STREAMS_PER_SESSION = 4;
/** The system figures (CPU, memory, load) move slowly; the Status page polled them this often too. */
export const SYSTEM_INTERVAL_MS = 5_000;
/** A comment this often keeps proxies and NAT from closing a quiet stream. */
export const HEARTBEAT_MS = 15_000;

export interface StatusEvents {
  gateway: GatewayStatusDto;
  system: SystemStatusDto;
  /** A new event for the Events list (a failover, the kill switch turned off…), as GET /api/events lists it. */
  event: EventDto;
}

/** Where a stream's events go; the HTTP layer writes them as server-sent events. */
export interface StatusSink {
  send<K extends keyof StatusEvents>(event: K, data: StatusEvents[K]): void;
  heartbeat(): void;
  /** The stream is over (signed out, expired, or the API stops): the HTTP layer ends the response. */
  end(): void;
}

interface Stream {
  readonly token: string;
  readonly handle: string;
  readonly sink: StatusSink;
  /** The gateway as last sent, serialized, so an unchanged one is not sent again. */
  lastGateway: string | null;
}

/**
 * Live status for signed-in pages: the gateway whenever it changes (from each report of the status hub, which
 * asks burrowd once a second while a stream is open, however many there are), the system figures every few
 * seconds, each new event as it is recorded, and heartbeats. Each report also checks that every stream's session is still signed in; one that is
 * not ends. The work per report is done once and shared, and the reports are handled one after the other.
 */
@Injectable()
export class StatusStreamService implements OnApplicationShutdown {
  private readonly logger = new Logger(StatusStreamService.name);
  private readonly streams = new Set<Stream>();
  private unsubscribe: (() => void) | null = null;
  private unsubscribeEvents: (() => void) | null = null;
  private timers: NodeJS.Timeout[] = [];
  private queue: Promise<void> = Promise.resolve();
  private lastSystem: SystemStatusDto | null = null;
  /** Set once the API stops or restarts: a stream opened after endAll() would hold the closing server open. */
  private stopping = false;

  constructor(
    private readonly hub: StatusHubService,
    private readonly gateway: GatewayService,
    private readonly system: SystemService,
    private readonly sessions: SessionService,
    private readonly events: EventService,
  ) {}

  /**
   * Opens a stream for the signed-in session whose cookie is `token`: sends the gateway and the system figures at
   * once, then changes. Returns the function to call when the client goes away.
   */
  async open(auth: AuthContext, token: string, sink: StatusSink): Promise<() => void> {
    if (this.stopping) {
      throw new DomainError('unavailable', 'restarting', 'The router is restarting; the page polls until it is back');
    }
    const handle = auth.session.handle;
    if ([...this.streams].filter((stream) => stream.handle === handle).length >= STREAMS_PER_SESSION) {
      throw new DomainError(
        'too_many',
        'too_many_streams',
        `At most ${STREAMS_PER_SESSION} live status streams per session; this page polls instead`,
      );
    }
    const stream: Stream = { token, handle, sink, lastGateway: null };
    this.streams.add(stream);
    this.startIfFirst();
    const close = () => this.remove(stream);
    try {
      const gateway = await this.gateway.status();
      // Ended while the first figures were read (the API is stopping): its sink is closed already.
      if (!this.streams.has(stream)) {
        return close;
      }
      this.sendGateway(stream, gateway);
      sink.send('system', this.lastSystem ?? (await this.sampleSystem()));
    } catch (error) {
      close();
      throw error;
    }
    return close;
  }

  /** How many streams are open (for tests). */
  get openStreams(): number {
    return this.streams.size;
  }

  /**
   * Ends every stream and refuses new ones: the API is stopping or restarting, and an open stream would hold the
   * server open. A page's reconnect can arrive between this and the listener's close, on a kept-alive connection.
   */
  endAll(): void {
    this.stopping = true;
    for (const stream of [...this.streams]) {
      this.end(stream);
    }
  }

  onApplicationShutdown(): void {
    this.endAll();
  }

  private startIfFirst(): void {
    if (this.unsubscribe !== null) {
      return;
    }
    this.unsubscribe = this.hub.subscribe((report) => this.serially(() => this.onReport(report)), { live: true });
    // Each event as it is recorded: a stream whose session ended is found out at the next report, within a second.
    this.unsubscribeEvents = this.events.subscribe((event) =>
      this.streams.forEach((stream) => stream.sink.send('event', event)),
    );
    this.timers = [
      setInterval(() => void this.serially(() => this.onSystemTick()), SYSTEM_INTERVAL_MS),
      setInterval(() => this.streams.forEach((stream) => stream.sink.heartbeat()), HEARTBEAT_MS),
    ];
    this.timers.forEach((timer) => timer.unref());
  }

  private stopIfLast(): void {
    if (this.streams.size > 0 || this.unsubscribe === null) {
      return;
    }
    this.unsubscribe();
    this.unsubscribe = null;
    this.unsubscribeEvents?.();
    this.unsubscribeEvents = null;
    this.timers.forEach((timer) => clearInterval(timer));
    this.timers = [];
    this.lastSystem = null;
  }

  private async onReport(report: StatusReport): Promise<void> {
    if (this.streams.size === 0) {
      return;
    }
    const gateway = await this.gateway.fromReport(report);
    const now = new Date();
    for (const stream of [...this.streams]) {
      const auth = await this.sessions.authenticate(stream.token, now);
      if (auth?.session.handle !== stream.handle) {
        this.end(stream);
      } else if (this.streams.has(stream)) {
        this.sendGateway(stream, gateway);
      }
    }
  }

  private async onSystemTick(): Promise<void> {
    if (this.streams.size === 0) {
      return;
    }
    const system = await this.sampleSystem();
    this.streams.forEach((stream) => stream.sink.send('system', system));
  }

  private async sampleSystem(): Promise<SystemStatusDto> {
    this.lastSystem = await this.system.getStatus();
    return this.lastSystem;
  }

  private sendGateway(stream: Stream, gateway: GatewayStatusDto): void {
    const serialized = JSON.stringify(gateway);
    if (serialized !== stream.lastGateway) {
      stream.lastGateway = serialized;
      stream.sink.send('gateway', gateway);
    }
  }

  private end(stream: Stream): void {
    if (this.remove(stream)) {
      stream.sink.end();
    }
  }

  private remove(stream: Stream): boolean {
    const removed = this.streams.delete(stream);
    this.stopIfLast();
    return removed;
  }

  private serially(work: () => Promise<void>): Promise<void> {
    this.queue = this.queue
      .then(work)
      .catch((error: unknown) => this.logger.error(`status stream update failed: ${String(error)}`));
    return this.queue;
  }
}
