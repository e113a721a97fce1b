/**
 * Keeps `data` fresh by calling `load` every `intervalMs` while the page is visible.
 *
 * - Polls never overlap: the next one is scheduled only after the previous one settles.
 * - A hidden tab stops polling; becoming visible again refreshes at once and resumes.
 * - A failed poll keeps the last good `data` and sets `error`; the next success clears it.
 * - While held (a live stream feeds `accept`), the timer is off; letting go polls at once and resumes.
 */
export class Poller<T> {
  data = $state<T | undefined>(undefined);
  error = $state<Error | undefined>(undefined);
  /** When `data` was last received, in epoch milliseconds. */
  lastUpdated = $state<number | undefined>(undefined);
  loading = $state(false);
  paused = $state(false);

  /** Time between polls; `setIntervalMs` changes it while polling. */
  intervalMs = $state(0);
  readonly #load: () => Promise<T>;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #running = false;
  /** The poll under way, if any. */
  #inFlight: Promise<void> | undefined;
  #held = false;

  constructor(load: () => Promise<T>, intervalMs: number) {
    this.#load = load;
    this.intervalMs = intervalMs;
  }

  /** Starts polling; returns the function that stops it (fits `$effect` cleanup). */
  start(): () => void {
    if (this.#running) {
      return () => this.stop();
    }
    this.#running = true;
    document.addEventListener('visibilitychange', this.#onVisibilityChange);
    this.#onVisibilityChange();
    return () => this.stop();
  }

  stop(): void {
    this.#running = false;
    this.#cancelTimer();
    document.removeEventListener('visibilitychange', this.#onVisibilityChange);
  }

  /** Stops and forgets what was received, so the next user of this browser never sees it. */
  clear(): void {
    this.stop();
    this.data = undefined;
    this.error = undefined;
    this.lastUpdated = undefined;
  }

  /** Polls at a new pace from now on; the poll already waiting is moved to the new time. */
  setIntervalMs(intervalMs: number): void {
    if (intervalMs === this.intervalMs) {
      return;
    }
    this.intervalMs = intervalMs;
    if (this.#timer !== undefined) {
      this.#cancelTimer();
      this.#schedule();
    }
  }

  /** Takes an answer that arrived another way (a change answered with the whole state) as the newest poll. */
  accept(data: T): void {
    if (this.#running) {
      this.data = data;
      this.error = undefined;
      this.lastUpdated = Date.now();
    }
  }

  /** Holds the timer while another source keeps `data` fresh; letting go polls at once. */
  hold(held: boolean): void {
    if (held === this.#held) {
      return;
    }
    this.#held = held;
    if (held) {
      this.#cancelTimer();
    } else if (!document.hidden) {
      void this.#poll();
    }
  }

  /** Polls now instead of waiting for the timer (a "refresh" button, or the tab coming back). */
  refresh(): void {
    void this.#poll();
  }

  /**
   * Polls now and settles when that answer is in, so a change is shown with the state it made. A poll already under
   * way may have started before the change: it is waited for, then another one made.
   */
  async reload(): Promise<void> {
    await this.#inFlight;
    await this.#poll();
  }

  readonly #onVisibilityChange = (): void => {
    this.paused = document.hidden;
    if (document.hidden) {
      this.#cancelTimer();
    } else {
      void this.#poll();
    }
  };

  #poll(): Promise<void> {
    if (!this.#running || this.#inFlight) {
      return Promise.resolve();
    }
    this.#inFlight = this.#pollOnce();
    return this.#inFlight;
  }

  async #pollOnce(): Promise<void> {
    this.#cancelTimer();
    this.loading = true;
    try {
      const data = await this.#load();
      // Stopped (or cleared at sign-out) while the request was out: the answer is no longer wanted.
      if (this.#running) {
        this.data = data;
        this.error = undefined;
        this.lastUpdated = Date.now();
      }
    } catch (cause) {
      if (this.#running) {
        this.error = cause instanceof Error ? cause : new Error(String(cause));
      }
    } finally {
      this.#inFlight = undefined;
      this.loading = false;
      this.#schedule();
    }
  }

  #schedule(): void {
    if (this.#running && !this.#held && !document.hidden) {
      this.#timer = setTimeout(() => void this.#poll(), this.intervalMs);
    }
  }

  #cancelTimer(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }
}
