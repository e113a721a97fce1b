// The kill switch's timed disarm, asked for from the recovery console: for a while the LAN may use the WAN directly,
// as if the desired state said `killSwitch: false`, and then the kill switch is back by itself.
//
//   disarm(ms) ─▶ the deadline is written to the data dir (atomically) ─▶ held in memory ─▶ the gateway applies
//              its document again with the kill switch off ─▶ a timer at the deadline re-arms and applies again
//   start      ─▶ load(): a deadline still ahead stays disarmed until it; one already past is removed (armed)
//
// burrowd owns the deadline, not the console or the API: whichever of them restarts, the switch re-arms on time.
// The file is written before anything opens and removed after the switch is armed in memory, so every failure
// leaves it armed or disarmed until a deadline at most an hour away, never disarmed for good.
import fs from 'node:fs/promises';
import path from 'node:path';
import { type Clock, type Timer } from '../io/clock.js';
import { writeFileAtomic } from '../os/atomic-file.js';

export const DISARM_MAX_MINUTES = 60;
/** The `seconds` form, for tests and diagnostics: at most the same hour. */
export const DISARM_MAX_SECONDS = 3_600;
/** Kill-switch events kept for the status report. */
const MAX_EVENTS = 20;

export type DisarmRequest = { ok: true; ms: number } | { ok: false; error: string };

/** `{minutes: 1–60}` or, for tests and diagnostics, `{seconds: 1–3600}`: whole numbers, exactly one of them. */
export function parseDisarmParams(params: unknown): DisarmRequest {
  const usage = `disarm takes {"minutes": 1–${DISARM_MAX_MINUTES}} (or {"seconds": 1–${DISARM_MAX_SECONDS}} for tests)`;
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    return { ok: false, error: usage };
  }
  const keys = Object.keys(params);
  const record = params as Record<string, unknown>;
  if (keys.length !== 1 || !(keys[0] === 'minutes' || keys[0] === 'seconds')) {
    return { ok: false, error: usage };
  }
  const unit = keys[0];
  const value = record[unit];
  const max = unit === 'minutes' ? DISARM_MAX_MINUTES : DISARM_MAX_SECONDS;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    return { ok: false, error: `${unit} must be a whole number from 1 to ${max}` };
  }
  return { ok: true, ms: value * (unit === 'minutes' ? 60_000 : 1_000) };
}

export interface KillSwitchEvent {
  /** Epoch ms. */
  readonly at: number;
  readonly kind: 'disarmed' | 'rearmed';
  /** For `disarmed`: when it re-arms (ISO time). */
  readonly until: string | null;
  readonly reason: string;
}

export interface KillSwitchDisarmOptions {
  /** `<dataDir>/burrowd/disarm.json`, next to the saved desired state. */
  readonly file: string;
  readonly clock: Clock;
  readonly log: { info(message: string): void; warn(message: string): void };
  /** The kill switch in force must change: apply the desired state again (the timer's re-arm waits for it). */
  readonly reapply: () => Promise<void>;
}

export class KillSwitchDisarm {
  /** Wall-clock ms when the kill switch re-arms; null while armed. */
  private deadline: number | null = null;
  private readonly timer: Timer;
  private readonly recent: KillSwitchEvent[] = [];

  constructor(private readonly options: KillSwitchDisarmOptions) {
    this.timer = options.clock.timer(() => void this.expire());
  }

  static fileIn(dataDir: string): string {
    return path.join(dataDir, 'burrowd', 'disarm.json');
  }

  /** Whether the LAN may use the WAN directly now. */
  get disarmed(): boolean {
    return this.deadline !== null && this.options.clock.wallTime() < this.deadline;
  }

  /** When it re-arms, as ISO time; null while armed. */
  get disarmedUntil(): string | null {
    return this.disarmed ? new Date(this.deadline!).toISOString() : null;
  }

  get events(): readonly KillSwitchEvent[] {
    return this.recent;
  }

  /**
   * Reads the deadline a previous run left. One still ahead keeps the switch disarmed until it; one already past,
   * or a file that does not read, is removed: armed.
   */
  async load(): Promise<void> {
    let text: string;
    try {
      text = await fs.readFile(this.options.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        return;
      }
      throw error;
    }
    const until = savedDeadline(text);
    const now = this.options.clock.wallTime();
    if (Number.isNaN(until) || until <= now || until - now > DISARM_MAX_SECONDS * 1_000) {
      this.options.log.info(`kill switch: the saved disarm (${text.trim()}) is over or unreadable; armed`);
      await fs.rm(this.options.file, { force: true });
      return;
    }
    this.deadline = until;
    this.timer.set(until - now);
    this.options.log.info(
      `kill switch: still disarmed until ${new Date(until).toISOString()} (saved before a restart)`,
    );
  }

  /** Disarms for `ms` from now (replacing any earlier deadline); answers when it re-arms, once applied. */
  async disarm(ms: number): Promise<string> {
    const until = this.options.clock.wallTime() + ms;
    await fs.mkdir(path.dirname(this.options.file), { recursive: true, mode: 0o700 });
    await writeFileAtomic(this.options.file, `${JSON.stringify({ until: new Date(until).toISOString() })}\n`);
    this.deadline = until;
    this.timer.set(ms);
    const iso = new Date(until).toISOString();
    this.record('disarmed', iso, `requested for ${Math.round(ms / 1000)} s`);
    await this.options.reapply();
    return iso;
  }

  /** Re-arms now; false when it was armed already. `apply` false leaves the applying to the caller. */
  async rearm(reason: string, apply = true): Promise<boolean> {
    const was = this.deadline !== null;
    this.deadline = null;
    this.timer.cancel();
    if (was) {
      this.record('rearmed', null, reason);
    }
    try {
      await fs.rm(this.options.file, { force: true });
    } finally {
      // Armed in memory whatever happened to the file: the ruleset follows now.
      if (apply) {
        await this.options.reapply();
      }
    }
    return was;
  }

  stop(): void {
    this.timer.cancel();
  }

  private async expire(): Promise<void> {
    if (this.deadline === null) {
      return;
    }
    const left = this.deadline - this.options.clock.wallTime();
    if (left > 0) {
      // The wall clock was set back since the timer was armed: wait for the rest.
      this.timer.set(left);
      return;
    }
    await this.rearm('the disarm time is up').catch((error: unknown) =>
      this.options.log.warn(`kill switch: re-arming at the deadline failed: ${(error as Error).message}`),
    );
  }

  private record(kind: KillSwitchEvent['kind'], until: string | null, reason: string): void {
    this.recent.push({ at: this.options.clock.wallTime(), kind, until, reason });
    this.recent.splice(0, Math.max(0, this.recent.length - MAX_EVENTS));
    this.options.log.info(
      kind === 'disarmed' ? `kill switch disarmed until ${until} (${reason})` : `kill switch re-armed (${reason})`,
    );
  }
}

/** The deadline in a saved file (epoch ms), or NaN when it does not read. */
function savedDeadline(text: string): number {
  try {
    const { until } = JSON.parse(text) as { until?: unknown };
    return typeof until === 'string' ? Date.parse(until) : Number.NaN;
  } catch {
    return Number.NaN;
  }
}
