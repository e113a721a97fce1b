import { type StatusReport, type StatusHubService } from './status-hub.service.js';

/**
 * Counts from every status report the hub reads (without asking for live ones) and writes what it counted every
 * `intervalMs` and once more on stop: the counts live in memory between writes, as the database sits on an SD card.
 */
export class ReportCounting {
  private unsubscribe: (() => void) | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly hub: StatusHubService,
    private readonly count: (report: StatusReport) => unknown,
    private readonly flush: () => Promise<void>,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    this.unsubscribe = this.hub.subscribe((report) => this.count(report), { live: false });
    this.timer = setInterval(() => void this.flush(), this.intervalMs);
    this.timer.unref();
  }

  /** Before the database closes: what was counted since the last write is kept, not lost with the process. */
  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = null;
    if (this.timer !== null) {
      clearInterval(this.timer);
      this.timer = null;
    }
    await this.flush();
  }
}
