import { type BeforeApplicationShutdown, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { firstDailyRun, nextDailyRun, planIsStale, sameLocalDay } from './backup-schedule.js';
import { BackupSettingsService } from './backup-settings.service.js';
import { BackupService } from './backup.service.js';
import { Clock } from './clock.js';
import { BackgroundWork } from './background-work.js';

/** The plan is looked at this often: a changed time or a clock that jumped is noticed within a minute. */
export const SCHEDULE_CHECK_MS = 60_000;

/**
 * Makes the daily backup at the settings' local time. The next run is planned as a moment and compared with the
 * clock every minute, so a clock set forward runs it once (not once per skipped day), a clock set back plans it
 * again, and a restart around the time never makes two on one day.
 */
@Injectable()
export class BackupSchedulerService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(BackupSchedulerService.name);
  private timer: NodeJS.Timeout | null = null;
  private plan: { dailyAt: string; at: Date } | null = null;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly backups: BackupService,
    private readonly settings: BackupSettingsService,
    private readonly clock: Clock,
    private readonly background: BackgroundWork,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.background.runs) {
      return;
    }
    await this.backups.reconcile();
    const { dailyAt } = await this.settings.get();
    const now = this.clock.now();
    this.plan = { dailyAt, at: firstDailyRun(now, dailyAt, await this.backups.newestDailyAt()) };
    this.timer = setInterval(() => {
      this.running = this.running.then(() => this.check()).catch(() => undefined);
    }, SCHEDULE_CHECK_MS);
    this.timer.unref();
  }

  /** The backup in progress finishes before the database closes. */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.timer !== null) {
      clearInterval(this.timer);
      this.timer = null;
    }
    await this.running;
  }

  /** Runs the daily backup when its time has come. Public for tests, which move the clock. */
  async check(): Promise<void> {
    const { dailyAt } = await this.settings.get();
    const now = this.clock.now();
    if (this.plan === null || this.plan.dailyAt !== dailyAt || planIsStale(this.plan.at, now)) {
      this.plan = { dailyAt, at: nextDailyRun(now, dailyAt) };
    }
    if (now < this.plan.at) {
      return;
    }
    this.plan = { dailyAt, at: nextDailyRun(now, dailyAt) };
    const newest = await this.backups.newestDailyAt();
    if (newest !== null && sameLocalDay(newest, now) && newest <= now) {
      return;
    }
    try {
      await this.backups.create('daily', 'system');
    } catch (error) {
      this.logger.error(`the daily backup failed: ${String(error)}`);
    }
  }
}
