// When to check the household by itself: after a change of the tunnel or the kill switch, or a failover, burrowd
// runs the self-test once things have settled, and the exit check once the carrying tunnel has a session.
//
//   changed(trigger) ─▶ (re)starts a SETTLE_AFTER window and polls the engine every HANDSHAKE_POLL
//     handshake completed since the change ─▶ settled(trigger) at once (if not yet), then handshake(trigger)
//     SETTLE_AFTER passed without one      ─▶ settled(trigger); the polling goes on for the exit check, up to
//                                             HANDSHAKE_WATCH after the change
//   a change during the window restarts it: a burst of changes (an apply, then a failover a second later) gives one
//   run, after the last; a failover in the burst names the run 'failover'.
// `settled` never runs twice at once: one due while another runs waits for it, and several waiting are one.
import { type Clock, type Timer } from '../io/clock.js';

export type SettleTrigger = 'change' | 'failover';

/** The longest wait for a handshake before the self-test runs anyway. */
export const SETTLE_AFTER_MS = 15_000;
export const HANDSHAKE_POLL_MS = 1_000;
/** How long after a change a first handshake still triggers the exit check. */
export const HANDSHAKE_WATCH_MS = 5 * 60_000;

export interface SettleWatchOptions {
  readonly clock: Clock;
  /** Whether the carrying tunnel completed a handshake at or after `sinceWallMs` (epoch ms). */
  readonly handshakeSince: (sinceWallMs: number) => Promise<boolean>;
  /** Things settled after a change: the self-test runs. */
  readonly settled: (trigger: SettleTrigger) => Promise<void>;
  /** The carrying tunnel's first handshake after a change: the exit check runs. */
  readonly handshake: (trigger: SettleTrigger) => Promise<void>;
  readonly warn: (message: string) => void;
}

interface Watch {
  readonly trigger: SettleTrigger;
  /** Wall time of the change, for the handshake comparison. */
  readonly sinceWall: number;
  /** Monotonic time after which a handshake no longer counts as the first after the change. */
  readonly watchUntil: number;
  settled: boolean;
}

export class SettleWatch {
  private watch: Watch | null = null;
  private readonly settleTimer: Timer;
  private readonly pollTimer: Timer;
  private polling = false;
  private running: Promise<void> | null = null;
  private waiting: SettleTrigger | null = null;

  constructor(private readonly options: SettleWatchOptions) {
    this.settleTimer = options.clock.timer(() => this.settle());
    this.pollTimer = options.clock.timer(() => void this.poll());
  }

  /**
   * `sinceWall`: when the change began to be applied (epoch ms). A handshake with the new peer can complete while
   * the apply is still finishing, before this call: counting from the call would miss it, and the exit check would
   * wait for the next handshake, minutes later.
   */
  changed(trigger: SettleTrigger, sinceWall?: number): void {
    const { clock } = this.options;
    const previous = this.watch;
    const merged = previous !== null && !previous.settled && previous.trigger === 'failover' ? 'failover' : trigger;
    this.watch = {
      trigger: merged,
      sinceWall: sinceWall ?? clock.wallTime(),
      watchUntil: clock.now() + HANDSHAKE_WATCH_MS,
      settled: false,
    };
    this.settleTimer.set(SETTLE_AFTER_MS);
    this.pollTimer.set(HANDSHAKE_POLL_MS);
  }

  stop(): void {
    this.watch = null;
    this.settleTimer.cancel();
    this.pollTimer.cancel();
  }

  /** Resolves once no `settled` run is in progress or waiting (for tests and shutdown). */
  async idle(): Promise<void> {
    while (this.running !== null) {
      await this.running;
    }
  }

  private settle(): void {
    const watch = this.watch;
    if (watch === null || watch.settled) {
      return;
    }
    watch.settled = true;
    this.settleTimer.cancel();
    this.run(watch.trigger);
  }

  private run(trigger: SettleTrigger): void {
    if (this.running !== null) {
      this.waiting = trigger;
      return;
    }
    this.running = (async () => {
      let next: SettleTrigger | null = trigger;
      while (next !== null) {
        this.waiting = null;
        await this.options.settled(next).catch((error: unknown) => {
          this.options.warn(`the self-test after a ${next} failed to run: ${(error as Error).message}`);
        });
        next = this.waiting;
      }
    })().finally(() => {
      this.running = null;
    });
  }

  private async poll(): Promise<void> {
    const watch = this.watch;
    if (watch === null || this.polling) {
      return;
    }
    this.polling = true;
    let done = false;
    try {
      done = await this.options.handshakeSince(watch.sinceWall);
    } catch (error) {
      this.options.warn(`reading the tunnel's handshake failed: ${(error as Error).message}`);
    } finally {
      this.polling = false;
    }
    if (this.watch !== watch) {
      return; // a newer change took over while the engine was asked: its own polling decides
    }
    if (done) {
      this.pollTimer.cancel();
      this.settle();
      this.watch = null;
      await this.options.handshake(watch.trigger).catch((error: unknown) => {
        this.options.warn(`the exit check after a ${watch.trigger} failed to run: ${(error as Error).message}`);
      });
      return;
    }
    if (this.options.clock.now() < watch.watchUntil) {
      this.pollTimer.set(HANDSHAKE_POLL_MS);
    } else {
      this.watch = null;
    }
  }
}
