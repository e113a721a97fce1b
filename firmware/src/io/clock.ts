/**
 * Time for the engine, injected so tests can run REKEY_AFTER_TIME in a microsecond: a monotonic
 * clock for every protocol timer, wall time only for TAI64N handshake timestamps, and reusable
 * timers shaped like wireguard-go's (set = Mod, cancel = Del, pending = IsPending).
 *
 * The fake twin is FakeClock in clock.fake.ts.
 */

/** A one-shot timer that can be re-armed without allocating. */
export interface Timer {
  /** Arms the timer to fire once, `ms` from now, replacing any earlier deadline. */
  set(ms: number): void;
  /** Disarms it; returns whether it was pending. */
  cancel(): boolean;
  readonly pending: boolean;
}

export interface Clock {
  /** Monotonic milliseconds (fractional) from an arbitrary origin: never jumps, never goes back. */
  now(): number;
  /** Milliseconds since the Unix epoch, as the wall clock says: only for TAI64N timestamps. */
  wallTime(): number;
  /** A new, unarmed timer that calls `callback` when it fires. */
  timer(callback: () => void): Timer;
}

/** Slack for Node firing a timeout a fraction of a millisecond before the monotonic deadline. */
const EARLY_TOLERANCE_MS = 1;

/**
 * A timer over setTimeout that makes re-arming to a LATER deadline free: the data path pushes
 * keepalive and rekey deadlines forward on every packet, so `set` only records the deadline and
 * the pending timeout, when it fires early, re-arms itself for the rest. Only an EARLIER deadline
 * replaces the timeout.
 */
class SystemTimer implements Timer {
  #deadline: number | undefined;
  #timeout: NodeJS.Timeout | undefined;
  #timeoutAt = 0;

  constructor(private readonly callback: () => void) {}

  get pending(): boolean {
    return this.#deadline !== undefined;
  }

  set(ms: number): void {
    const deadline = performance.now() + Math.max(0, ms);
    this.#deadline = deadline;
    if (this.#timeout === undefined || this.#timeoutAt > deadline) {
      this.#arm(deadline);
    }
  }

  cancel(): boolean {
    const wasPending = this.#deadline !== undefined;
    this.#deadline = undefined;
    clearTimeout(this.#timeout);
    this.#timeout = undefined;
    return wasPending;
  }

  #arm(deadline: number): void {
    clearTimeout(this.#timeout);
    this.#timeoutAt = deadline;
    this.#timeout = setTimeout(() => this.#fire(), Math.max(0, deadline - performance.now()));
  }

  #fire(): void {
    this.#timeout = undefined;
    const deadline = this.#deadline;
    if (deadline === undefined) {
      return;
    }
    if (performance.now() < deadline - EARLY_TOLERANCE_MS) {
      this.#arm(deadline); // the deadline moved later since this timeout was armed
      return;
    }
    this.#deadline = undefined;
    this.callback();
  }
}

/** The real clock: performance.now() (monotonic), Date.now() (wall), setTimeout. */
export const systemClock: Clock = {
  now: () => performance.now(),
  wallTime: () => Date.now(),
  timer: (callback) => new SystemTimer(callback),
};
