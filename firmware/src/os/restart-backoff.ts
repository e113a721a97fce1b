// When to start a crashed child again: the first restart after a crash waits `initialDelayMs`; each further quick
// crash doubles it up to `maxDelayMs`; a child that ran `stableAfterMs` or longer counts as healthy and resets it. A
// child that cannot even be spawned (missing binary) counts as a crash that ran for 0 ms.

export interface BackoffPolicy {
  /** The wait before the first restart after a crash. */
  readonly initialDelayMs: number;
  /** Quick crashes in a row double the wait up to this. */
  readonly maxDelayMs: number;
  /** A child that ran at least this long was healthy: the next restart waits initialDelayMs again. */
  readonly stableAfterMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialDelayMs: 250, maxDelayMs: 5_000, stableAfterMs: 10_000 };

/** The backoff state of one supervised child. */
export class RestartBackoff {
  readonly policy: BackoffPolicy;
  private nextDelayMs: number;

  constructor(policy: Partial<BackoffPolicy> = {}) {
    this.policy = { ...DEFAULT_BACKOFF, ...policy };
    this.nextDelayMs = this.policy.initialDelayMs;
  }

  /** Forgets earlier crashes: supervision begins anew. */
  reset(): void {
    this.nextDelayMs = this.policy.initialDelayMs;
  }

  /** The wait before restarting a child that crashed after running `ranForMs`; the next crash waits longer. */
  delayAfterCrash(ranForMs: number): number {
    const delayMs = ranForMs >= this.policy.stableAfterMs ? this.policy.initialDelayMs : this.nextDelayMs;
    this.nextDelayMs = Math.min(delayMs * 2, this.policy.maxDelayMs);
    return delayMs;
  }
}
