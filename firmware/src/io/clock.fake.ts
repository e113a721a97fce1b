/**
 * A clock for tests that moves only when told: `advance(ms)` fires every timer that falls due, in
 * deadline order (ties in the order they were armed), with `now()` reading each timer's own
 * deadline while it runs, including timers armed by those callbacks. Nothing depends on real time.
 */
import { type Clock, type Timer } from './clock.js';

export class FakeClock implements Clock {
  #now: number;
  #wallOffset: number;
  #sequence = 0;
  readonly #armed = new Set<FakeTimer>();

  /** `now` starts the monotonic clock; `wallTime` is the wall clock at that moment. */
  constructor(options: { now?: number; wallTime?: number } = {}) {
    this.#now = options.now ?? 0;
    this.#wallOffset = (options.wallTime ?? Date.UTC(2025, 0, 1)) - this.#now;
  }

  now(): number {
    return this.#now;
  }

  wallTime(): number {
    return this.#now + this.#wallOffset;
  }

  timer(callback: () => void): Timer {
    return new FakeTimer(this, callback);
  }

  /** Timers currently armed. */
  get pendingTimers(): number {
    return this.#armed.size;
  }

  /** Moves time forward by `ms`, firing what falls due on the way. */
  advance(ms: number): void {
    if (!(ms >= 0)) {
      throw new RangeError(`time only moves forward: advance(${ms})`);
    }
    const target = this.#now + ms;
    for (let next = this.#nextDue(target); next !== undefined; next = this.#nextDue(target)) {
      this.#now = Math.max(this.#now, next.deadline);
      next.fire();
    }
    this.#now = target;
  }

  /** Moves time to the next armed timer and fires it (and any due with it); false if none is armed. */
  runNext(): boolean {
    let first: FakeTimer | undefined;
    for (const timer of this.#armed) {
      if (first === undefined || timer.deadline < first.deadline) {
        first = timer;
      }
    }
    if (first === undefined) {
      return false;
    }
    this.advance(first.deadline - this.#now);
    return true;
  }

  /** Steps the wall clock alone (an NTP correction); monotonic time is unaffected. */
  stepWallTime(ms: number): void {
    this.#wallOffset += ms;
  }

  /** @internal */
  arm(timer: FakeTimer): number {
    this.#armed.add(timer);
    return this.#sequence++;
  }

  /** @internal */
  disarm(timer: FakeTimer): void {
    this.#armed.delete(timer);
  }

  #nextDue(target: number): FakeTimer | undefined {
    let next: FakeTimer | undefined;
    for (const timer of this.#armed) {
      if (
        timer.deadline <= target &&
        (next === undefined ||
          timer.deadline < next.deadline ||
          (timer.deadline === next.deadline && timer.sequence < next.sequence))
      ) {
        next = timer;
      }
    }
    return next;
  }
}

class FakeTimer implements Timer {
  deadline = 0;
  sequence = 0;
  #pending = false;

  constructor(
    private readonly clock: FakeClock,
    private readonly callback: () => void,
  ) {}

  get pending(): boolean {
    return this.#pending;
  }

  set(ms: number): void {
    this.deadline = this.clock.now() + Math.max(0, ms);
    this.sequence = this.clock.arm(this);
    this.#pending = true;
  }

  cancel(): boolean {
    const wasPending = this.#pending;
    this.#pending = false;
    this.clock.disarm(this);
    return wasPending;
  }

  fire(): void {
    this.cancel();
    this.callback();
  }
}
