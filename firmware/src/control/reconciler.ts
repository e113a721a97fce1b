// burrowd's reconciler: makes the system match the newest desired state, whole, in a safe order.
//
//   submit(state) ─▶ validate ─▶ queue (the newest replaces any queued one) ─▶ apply, one at a time:
//     1. resolve endpoint names (the router's own DNS)
//     2. firewall: the kill-switch table, one atomic nft transaction, before anything opens
//     3. engine: the whole tunnel configuration over the UAPI socket
//     4. network: bridge, addresses, policy routes and rules, sysctls (idempotent)
//     5. LAN services: dnsmasq
//     6. persist (the caller's store), so a reboot restores it before anything else starts
//
// A state that fails half-way is rolled back by applying the last good state again. Waiters whose state was
// replaced by a newer one before it ran get the newer one's outcome: that is the state now in force.
// reset() (a factory reset) takes the same queue: the first-boot state, fail closed, with nothing in force after.
import { type DesiredState, describeState, parseDesiredState } from './desired-state.js';
import { type ResolvedEndpoints } from './engine-config.js';

export interface ApplySteps {
  resolve(state: DesiredState): Promise<ResolvedEndpoints | null>;
  firewall(state: DesiredState, resolved: ResolvedEndpoints | null): Promise<void>;
  engine(state: DesiredState, resolved: ResolvedEndpoints | null): Promise<void>;
  network(state: DesiredState): Promise<void>;
  lanServices(state: DesiredState): Promise<void>;
  /** Back to the first boot: the block-all-forwarding table first, then no engine and no LAN services. */
  firstBoot(): Promise<void>;
}

export interface ReconcilerLog {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export type ApplyOutcome =
  | { ok: true; generation: number; warnings: string[] }
  | { ok: false; generation: number; errors: string[]; rolledBack: boolean };

/** The first-boot state in the queue (a factory reset). */
const FIRST_BOOT = 'first-boot';

interface Queued {
  state: DesiredState | typeof FIRST_BOOT;
  readonly waiters: Array<(outcome: ApplyOutcome) => void>;
}

export class Reconciler {
  private applied: DesiredState | null = null;
  /** The state being applied right now, if any. */
  private inFlight: DesiredState | typeof FIRST_BOOT | null = null;
  private queued: Queued | null = null;
  /** When (monotonic ms) the apply under way began, for burrowd's watchdog. */
  private inFlightSince: number | null = null;
  private running = false;
  private generation = 0;

  constructor(
    private readonly steps: ApplySteps,
    /** Keeps what was applied, so a reboot restores it first; called only after every step succeeded. */
    private readonly persist: (state: DesiredState) => Promise<void>,
    private readonly log: ReconcilerLog,
  ) {}

  /** The state in force (the last one applied completely), or null. */
  get current(): DesiredState | null {
    return this.applied;
  }

  /** How long the apply under way has run (0 when none is): one that never ends is a hung burrowd. */
  busyForMs(now = performance.now()): number {
    return this.inFlightSince === null ? 0 : now - this.inFlightSince;
  }

  /** Validates `input` and applies it; a malformed state is refused at once and changes nothing. */
  submit(input: unknown): Promise<ApplyOutcome> {
    const parsed = parseDesiredState(input);
    if (!parsed.ok) {
      return Promise.resolve({ ok: false, generation: this.generation, errors: parsed.errors, rolledBack: false });
    }
    return this.enqueue(parsed.state);
  }

  /**
   * Applies the newest state again (after the engine restarted, or an interface came back): the queued one, else
   * the one being applied, else the one in force. Never an older state than one already submitted.
   */
  reapply(): Promise<ApplyOutcome> | null {
    const newest = this.queued?.state ?? this.inFlight ?? this.applied;
    // After a reset (queued, under way or done) there is nothing to apply again.
    return newest === null || newest === FIRST_BOOT ? null : this.enqueue(newest);
  }

  /**
   * Puts the system back to its first boot once the apply under way (if any) is done, replacing a queued state:
   * the block-all-forwarding table first, then no engine and no LAN services; nothing is in force afterwards, so
   * nothing is applied again until the next submit. A state submitted after this replaces it, as any newer one does.
   */
  reset(): Promise<ApplyOutcome> {
    return this.enqueue(FIRST_BOOT);
  }

  private enqueue(state: DesiredState | typeof FIRST_BOOT): Promise<ApplyOutcome> {
    return new Promise((resolve) => {
      if (this.queued) {
        this.queued.state = state;
        this.queued.waiters.push(resolve);
      } else {
        this.queued = { state, waiters: [resolve] };
      }
      void this.drain();
    });
  }

  private async drain(): Promise<void> {
    if (this.running) {
      return;
    }
    this.running = true;
    try {
      while (this.queued) {
        const { state, waiters } = this.queued;
        this.queued = null;
        this.inFlight = state;
        this.inFlightSince = performance.now();
        const outcome = await (state === FIRST_BOOT ? this.toFirstBoot() : this.applyWhole(state)).finally(() => {
          this.inFlight = null;
          this.inFlightSince = null;
        });
        for (const resolve of waiters) {
          resolve(outcome);
        }
      }
    } finally {
      this.running = false;
    }
  }

  private async applyWhole(state: DesiredState): Promise<ApplyOutcome> {
    const generation = ++this.generation;
    this.log.info(`applying desired state ${generation}: ${describeState(state)}`);
    try {
      const warnings = await this.runSteps(state);
      await this.persist(state);
      this.applied = state;
      this.log.info(`desired state ${generation} applied`);
      return { ok: true, generation, warnings };
    } catch (error) {
      const message = (error as Error).message;
      this.log.error(`desired state ${generation} failed: ${message}`);
      const rolledBack = await this.rollBack(state);
      return { ok: false, generation, errors: [message], rolledBack };
    }
  }

  private async toFirstBoot(): Promise<ApplyOutcome> {
    const generation = ++this.generation;
    this.log.info(`applying the first-boot state (${generation}): forwarding blocked, no tunnel, no LAN services`);
    // Nothing is in force from here on, even if a step below fails: the table that blocks forwarding goes first.
    this.applied = null;
    try {
      await this.steps.firstBoot();
      return { ok: true, generation, warnings: [] };
    } catch (error) {
      const message = (error as Error).message;
      this.log.error(`the first-boot state ${generation} failed: ${message}`);
      return { ok: false, generation, errors: [message], rolledBack: false };
    }
  }

  private async runSteps(state: DesiredState): Promise<string[]> {
    const resolved = await this.steps.resolve(state);
    await this.steps.firewall(state, resolved);
    await this.steps.engine(state, resolved);
    await this.steps.network(state);
    await this.steps.lanServices(state);
    return resolved?.problems ?? [];
  }

  /** Puts the last good state back after a failed apply; the kill switch table of either state blocks leaks. */
  private async rollBack(failed: DesiredState): Promise<boolean> {
    const previous = this.applied;
    if (previous === null || previous === failed) {
      return false;
    }
    try {
      await this.runSteps(previous);
      this.log.warn('rolled back to the previous desired state');
      return true;
    } catch (error) {
      this.log.error(`rolling back failed too: ${(error as Error).message}`);
      return false;
    }
  }
}
