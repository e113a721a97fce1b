import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { FirmwareRepository } from '../repositories/firmware.repository.js';
import { BackgroundWork } from './background-work.js';

/** While someone watches live (a status stream), burrowd is asked this often. */
export const LIVE_INTERVAL_MS = 1_000;
/** While nobody does: the failover-event audit and the certificate's addresses still need a recent report. */
export const IDLE_INTERVAL_MS = 10_000;
/** A report younger than this answers a one-off read; an older one is read afresh. */
export const FRESH_ENOUGH_MS = 2_000;

/** burrowd's `status` report (null when it did not answer) and when it was read, in epoch ms. */
export interface StatusReport {
  readonly raw: unknown;
  readonly at: number;
}

export type StatusListener = (report: StatusReport) => unknown;

export interface SubscribeOptions {
  /** A live watcher (a status stream) makes the hub ask once a second; others ride along at the idle pace. */
  live: boolean;
}

/**
 * The one place that asks burrowd for `status`. It asks on a steady tick (once a second while a live watcher is
 * subscribed, every ten seconds otherwise), never twice at once, keeps the newest report with its time, and hands
 * each report to every subscriber. One-off readers get the newest report, or join the request in flight, or cause
 * one fresh request when the newest is older than a couple of seconds: however many consumers, burrowd sees one
 * poller.
 */
@Injectable()
export class StatusHubService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(StatusHubService.name);
  private readonly listeners = new Map<StatusListener, SubscribeOptions>();
  private newest: StatusReport | null = null;
  private inFlight: Promise<StatusReport> | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** When the pending tick fires (epoch ms), so a live subscriber can bring it forward. */
  private tickAt = 0;
  private running = false;

  constructor(
    private readonly firmware: FirmwareRepository,
    private readonly background: BackgroundWork,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.background.runs) {
      return;
    }
    this.running = true;
    this.schedule(IDLE_INTERVAL_MS);
  }

  onApplicationShutdown(): void {
    this.running = false;
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
  }

  /** The newest report, whatever its age; null before the first. */
  get latest(): StatusReport | null {
    return this.newest;
  }

  /** A report no older than `maxAgeMs`: the newest, the one on its way, or one fresh request. */
  async read(maxAgeMs = FRESH_ENOUGH_MS): Promise<StatusReport> {
    if (this.newest !== null && Date.now() - this.newest.at <= maxAgeMs) {
      return this.newest;
    }
    return this.request();
  }

  /** Something burrowd reports just changed (a state was applied): the next read asks afresh. */
  invalidate(): void {
    if (this.newest !== null) {
      this.newest = { ...this.newest, at: 0 };
    }
  }

  /** Calls `listener` with each new report until the returned function is called. */
  subscribe(listener: StatusListener, options: SubscribeOptions): () => void {
    this.listeners.set(listener, options);
    if (options.live && this.running && this.tickAt - Date.now() > LIVE_INTERVAL_MS) {
      this.schedule(0);
    }
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** How many live watchers there are (for tests and logs). */
  get liveWatchers(): number {
    return [...this.listeners.values()].filter((options) => options.live).length;
  }

  private request(): Promise<StatusReport> {
    this.inFlight ??= this.firmware
      .status()
      .then((raw) => {
        const report = { raw, at: Date.now() };
        this.newest = report;
        this.publish(report);
        return report;
      })
      .finally(() => {
        this.inFlight = null;
      });
    return this.inFlight;
  }

  private publish(report: StatusReport): void {
    for (const listener of [...this.listeners.keys()]) {
      // A listener's failure is its own: the others still get the report.
      Promise.resolve()
        .then(() => listener(report))
        .catch((error: unknown) => this.logger.error(`a status listener failed: ${String(error)}`));
    }
  }

  private async tick(): Promise<void> {
    this.timer = null;
    const pace = this.liveWatchers > 0 ? LIVE_INTERVAL_MS : IDLE_INTERVAL_MS;
    // A one-off read that just happened counts as this tick's.
    if (this.newest === null || Date.now() - this.newest.at >= pace / 2) {
      await this.request();
    }
    if (this.running) {
      this.schedule(this.liveWatchers > 0 ? LIVE_INTERVAL_MS : IDLE_INTERVAL_MS);
    }
  }

  private schedule(delayMs: number): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
    }
    this.tickAt = Date.now() + delayMs;
    this.timer = setTimeout(() => void this.tick(), delayMs);
    this.timer.unref();
  }
}
