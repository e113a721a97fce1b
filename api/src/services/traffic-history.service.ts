import { type BeforeApplicationShutdown, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import {
  type MinuteSample,
  type TrafficRetention,
  TrafficSampleRepository,
  type TrafficSeries,
} from '../repositories/traffic-sample.repository.js';
import { TunnelProfileRepository } from '../repositories/tunnel-profile.repository.js';
import { Clock } from './clock.js';
import { DomainError } from './domain-error.js';
import { type StatusReport, StatusHubService } from './status-hub.service.js';
import { readEngineCounters, TrafficCounters, type ByteCounts } from './traffic-counters.js';
import {
  fillPoints,
  HOUR_SECONDS,
  MINUTE_SECONDS,
  totalOf,
  type TrafficPoint,
  type TrafficRange,
  trafficWindow,
} from './traffic-range.js';
import { BackgroundWork } from './background-work.js';
import { ReportCounting } from './report-counting.js';

/** Counted bytes reach the database this often (and when the API stops): the database lives on an SD card. */
export const FLUSH_INTERVAL_MS = 60_000;
/** Minutes are kept a little longer than the day chart reaches back, then folded into hours. */
export const MINUTE_RETENTION_SECONDS = 25 * HOUR_SECONDS;
/** Hours are kept a little longer than the month chart reaches back (30 days), then deleted. */
export const HOUR_RETENTION_SECONDS = 31 * 24 * HOUR_SECONDS;
/**
 * The backstop, per profile or remote device, whatever the clock did: the minutes of up to 26 hours (folding goes
 * by whole hours) and 31 days of hours are 2304 rows; the newest 2500 are kept.
 */
export const ROWS_PER_OWNER_MAX = 2_500;
/** Rows this far in the future were written under a clock that has since been set back; they would never age. */
export const FUTURE_SLACK_SECONDS = 24 * HOUR_SECONDS;
/** Unwritten minutes kept while the database refuses writes (32 profiles or devices for an hour and a half): then the oldest go. */
export const PENDING_MAX = 3_000;

export interface TrafficHistory {
  readonly range: TrafficRange;
  readonly stepSeconds: number;
  /** Oldest first; each point's `at` is its start in epoch seconds. */
  readonly points: TrafficPoint[];
  readonly totals: ByteCounts;
}

/**
 * Traffic history per upstream tunnel profile, and per remote device (RemoteTrafficService feeds those through
 * `add`). Every report of the status hub adds what the engine's counters grew by to the carrying profile's
 * current minute, in memory; about once a minute the minutes are added to SQLite and the history ages there
 * (minutes older than a day fold into hours, hours older than a month go, each owner's rows are capped). A chart
 * read adds the minutes not yet written, so it is never a minute behind.
 */
@Injectable()
export class TrafficHistoryService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(TrafficHistoryService.name);
  private readonly counters = new TrafficCounters();
  /** Minutes counted and not yet written, by `series owner minute`. */
  private pending = new Map<string, MinuteSample>();
  /** The write in progress, so a read waits for it instead of seeing its minutes twice or not at all. */
  private writing: Promise<void> = Promise.resolve();
  /** The newest report counted: the same report reaches this service by subscription and by a chart read. */
  private counted: StatusReport | null = null;
  private readonly counting: ReportCounting;

  constructor(
    private readonly hub: StatusHubService,
    private readonly samples: TrafficSampleRepository,
    private readonly profiles: TunnelProfileRepository,
    private readonly clock: Clock,
    private readonly background: BackgroundWork,
  ) {
    this.counting = new ReportCounting(
      hub,
      (report) => this.count(report),
      () => this.flush(),
      FLUSH_INTERVAL_MS,
    );
  }

  onApplicationBootstrap(): void {
    if (!this.background.runs) {
      return;
    }
    this.counting.start();
  }

  /** Before the database closes (TypeORM closes it on application shutdown): the last minutes are written. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.counting.stop();
  }

  /** Adds what one report's counters grew by to the carrying profile's current minute. Each report counts once. */
  count(report: StatusReport): void {
    if (report === this.counted || report.at < (this.counted?.at ?? 0)) {
      return;
    }
    this.counted = report;
    const counters = readEngineCounters(report.raw);
    if (counters === null) {
      return;
    }
    const added = this.counters.observe(counters);
    if (counters.profileId !== null) {
      this.add('profile', counters.profileId, added);
    }
  }

  /** Adds bytes to the owner's current minute (written at the next flush). */
  add(series: TrafficSeries, ownerId: number, added: ByteCounts): void {
    if (added.rxBytes === 0 && added.txBytes === 0) {
      return;
    }
    const bucket = Math.floor(this.clock.now().getTime() / 1000 / MINUTE_SECONDS) * MINUTE_SECONDS;
    const key = pendingKey({ series, ownerId, bucket });
    const sample = this.pending.get(key);
    this.pending.set(key, {
      series,
      ownerId,
      bucket,
      rxBytes: (sample?.rxBytes ?? 0) + added.rxBytes,
      txBytes: (sample?.txBytes ?? 0) + added.txBytes,
    });
    for (const oldest of this.pending.keys()) {
      if (this.pending.size <= PENDING_MAX) {
        break;
      }
      this.pending.delete(oldest);
    }
  }

  /** Writes the counted minutes and ages the history; one write at a time. */
  flush(): Promise<void> {
    this.writing = this.writing.then(async () => {
      const batch = [...this.pending.values()];
      this.pending = new Map();
      try {
        await this.samples.flush(batch, this.retention());
      } catch (error) {
        // Kept for the next flush (pending minutes add up with those counted since), not lost.
        this.logger.error(`could not write the traffic history: ${String(error)}`);
        for (const sample of batch) {
          const key = pendingKey(sample);
          const newer = this.pending.get(key);
          this.pending.set(key, {
            ...sample,
            rxBytes: sample.rxBytes + (newer?.rxBytes ?? 0),
            txBytes: sample.txBytes + (newer?.txBytes ?? 0),
          });
        }
      }
    });
    return this.writing;
  }

  /** The profile's chart for `range`: every point zero-filled, oldest first, with the bytes counted up to now. */
  async history(profileId: number, range: TrafficRange): Promise<TrafficHistory> {
    if ((await this.profiles.findById(profileId)) === null) {
      throw new DomainError('not_found', 'not_found', 'No such tunnel profile');
    }
    // A report no more than a couple of seconds old, so bytes carried just now are in the answer.
    this.count(await this.hub.read());
    return this.read('profile', profileId, range);
  }

  /** An owner's chart for `range` from what is stored and counted so far; the caller has checked the owner. */
  async read(series: TrafficSeries, ownerId: number, range: TrafficRange): Promise<TrafficHistory> {
    await this.writing;
    const window = trafficWindow(range, this.clock.now().getTime() / 1000);
    const stored = await this.samples.read(series, ownerId, window.from, window.to);
    const unwritten = [...this.pending.values()].filter(
      (sample) => sample.series === series && sample.ownerId === ownerId,
    );
    const points = fillPoints(window, [...stored, ...unwritten]);
    return { range, stepSeconds: window.stepSeconds, points, totals: totalOf(points) };
  }

  private retention(): TrafficRetention {
    const now = Math.floor(this.clock.now().getTime() / 1000);
    return {
      foldBefore: Math.floor((now - MINUTE_RETENTION_SECONDS) / HOUR_SECONDS) * HOUR_SECONDS,
      dropBefore: now - HOUR_RETENTION_SECONDS,
      dropAfter: now + FUTURE_SLACK_SECONDS,
      maxRowsPerOwner: ROWS_PER_OWNER_MAX,
    };
  }
}

function pendingKey(sample: Pick<MinuteSample, 'series' | 'ownerId' | 'bucket'>): string {
  return `${sample.series} ${sample.ownerId} ${sample.bucket}`;
}
