// The household gateway in burrowd: the API's whole document (desired state v2) in, one applied state out.
//
//   submit(document) ─▶ validate with the board's network ─▶ failover policy picks the profile
//                    ─▶ reconciler applies that profile (kill switch first) ─▶ the document is persisted
//   every PROBE_INTERVAL: did the active profile answer? ─▶ policy.tick() ─▶ switch (apply again) when it is down
//                         failed profiles due for a retry ─▶ background handshake ─▶ switch back when preferred
//
// The kill switch never opens during a switch: LAN traffic may leave only through the tunnel interface, whose name
// stays the same whichever profile is in it, and the WAN carries only the engine's packets to known endpoints.
import { type DesiredState, parseDesiredState, splitEndpoint } from '../control/desired-state.js';
import {
  appliedState,
  type DesiredStateV2,
  describeStateV2,
  type BoardConfig,
  parseDesiredStateV2,
  type UpstreamProfile,
} from '../control/desired-state-v2.js';
import { resolveEndpoints, type Resolver } from '../control/engine-config.js';
import { type ApplyOutcome, type Reconciler, type ReconcilerLog } from '../control/reconciler.js';
import { type StateStore } from '../control/state-store.js';
import {
  FailoverPolicy,
  PROBE_INTERVAL_MS,
  REFRESH_NAMES_MS,
  RESOLVE_AGAIN_AFTER_MS,
  type FailoverEvent,
  type ProfileHealth,
} from './failover-policy.js';
import { profileAnswers, type ProbeEngine } from './profile-prober.js';
import { answeredBetween, countersOf, endpointsDiffer, probeResolver, type TunnelCounters } from './upstream-probe.js';
import { readPeers } from './status.js';

const RESOLVER_PROBE_TIMEOUT_MS = 2_000;
/** Applied states waiting to be persisted: one in progress and one queued, with room to spare. */
const MAX_ORIGINS = 8;

export interface GatewayOptions {
  readonly reconciler: Reconciler;
  readonly store: StateStore;
  readonly board: BoardConfig | null;
  /** The UAPI socket of the upstream engine, while one runs. */
  readonly engineSocket: () => string | null;
  /** Endpoints of profiles that are not active, which the firewall lets the engine reach (for background checks). */
  readonly setStandby: (standby: StandbyProfiles) => void;
  readonly probe: ProbeEngine;
  readonly resolver: Resolver;
  readonly log: ReconcilerLog;
  readonly now?: () => number;
  /**
   * The tunnel or the kill switch in force changed: by a new document ('change') or the failover policy switching
   * profiles ('failover'). The self-test and the exit check run once it settles.
   */
  readonly onChanged?: (trigger: 'change' | 'failover', appliedFromWallMs: number) => void;
  /**
   * Whether the kill switch is disarmed for a while (the recovery console's timed disarm): the profile in force is
   * then applied with the kill switch off, as a document saying `killSwitch: false` would be, through the same
   * ruleset and routes. The document itself, and what is persisted, keep the household's setting.
   */
  readonly disarmed?: () => boolean;
}

/**
 * The profiles that are not in force, as the firewall sees them: the engine may reach their endpoints (background
 * checks), and their resolvers are reached through a tunnel or not at all, so a query to the previous profile's
 * resolver during a switch cannot leave over the WAN in plaintext.
 */
export interface StandbyProfiles {
  readonly endpoints: Array<{ address: string; port: number }>;
  readonly resolvers: string[];
}

export interface UpstreamStatus {
  readonly activeId: number | null;
  readonly profiles: Array<ProfileHealth & { name: string }>;
  readonly events: readonly FailoverEvent[];
  /** Failovers since burrowd started. */
  readonly failovers: number;
}

export class Gateway {
  private document: DesiredStateV2 | null = null;
  private readonly policy: FailoverPolicy;
  /**
   * Which document each applied state came from, so the one persisted is the one applied. Keyed by the state's
   * validated form as JSON: the reconciler validates what it is given, so `persist` sees a copy, never the object
   * that was submitted (the object itself cannot be the key).
   */
  private readonly origins = new Map<string, DesiredStateV2>();
  private counters: TunnelCounters | null = null;
  /** When the active profile's endpoint names were last looked up. */
  private resolvedAt = 0;
  private timer: NodeJS.Timeout | null = null;
  private checking = false;
  /** When (monotonic ms) the monitor round under way began, for burrowd's watchdog. */
  private checkingSince: number | null = null;
  /** The tunnel and kill switch last applied, to tell a change from the same state applied again. */
  private appliedKey: string | null = null;

  private readonly now: () => number;

  constructor(private readonly options: GatewayOptions) {
    this.now = options.now ?? Date.now;
    this.policy = new FailoverPolicy(this.now);
  }

  /** For the reconciler: persists the document behind a state that was just applied. */
  readonly persist = async (state: DesiredState): Promise<void> => {
    const key = JSON.stringify(state);
    const document = this.origins.get(key);
    this.origins.delete(key);
    if (document !== undefined) {
      await this.options.store.save(document);
    }
  };

  get current(): DesiredStateV2 | null {
    return this.document;
  }

  /** Validates and applies a document (version 2, or a version-1 state, converted); refused whole when malformed. */
  async submit(input: unknown): Promise<ApplyOutcome> {
    const parsed = parseDesiredStateV2(input, this.options.board);
    if (!parsed.ok) {
      return { ok: false, generation: 0, errors: parsed.errors, rolledBack: false };
    }
    this.document = parsed.state;
    this.options.log.info(`new desired state: ${describeStateV2(parsed.state)}`);
    const { profiles, selectedId } = parsed.state.upstream;
    this.policy.update(
      profiles.map((profile) => profile.id),
      selectedId,
    );
    this.logEvents();
    return this.applyActive('change');
  }

  /** Applies the document in force again (the kill switch was disarmed or re-armed); null when there is none. */
  async reapply(): Promise<ApplyOutcome | null> {
    return this.document === null ? null : this.applyActive('change');
  }

  /**
   * Forgets the document and every profile's health (a factory reset): nothing is applied again until the next
   * submit. The caller puts the system back to the first-boot state.
   */
  forget(): void {
    this.document = null;
    this.policy.update([], null);
    this.logEvents();
    this.origins.clear();
    this.counters = null;
    this.appliedKey = null;
  }

  /** Restores the persisted document at boot; null when there was none. */
  async restore(): Promise<ApplyOutcome | null> {
    const document = await this.options.store.load();
    return document === null ? null : this.submit(document);
  }

  start(): void {
    this.timer ??= setInterval(() => void this.check(), PROBE_INTERVAL_MS);
  }

  stop(): void {
    if (this.timer !== null) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  status(): UpstreamStatus {
    const names = new Map(this.document?.upstream.profiles.map((profile) => [profile.id, profile.name]));
    return {
      activeId: this.policy.active,
      profiles: this.policy.profiles().map((health) => ({ ...health, name: names.get(health.id) ?? '' })),
      events: this.policy.events,
      failovers: this.policy.failovers,
    };
  }

  /** How long the monitor round under way has run (0 when none is): one that never ends is a hung burrowd. */
  busyForMs(now = performance.now()): number {
    return this.checkingSince === null ? 0 : now - this.checkingSince;
  }

  /** One round of the monitor: the active profile's health, then background checks of failed ones. */
  async check(): Promise<void> {
    if (this.checking || this.document === null) {
      return;
    }
    this.checking = true;
    this.checkingSince = performance.now();
    try {
      const active = this.activeProfile();
      if (active !== undefined && (await this.answered(active))) {
        this.policy.answered();
      }
      if (this.policy.tick() !== undefined) {
        this.logEvents();
        await this.applyActive('failover');
      } else if (active !== undefined && (await this.endpointsMoved(active))) {
        this.options.log.info(`profile ${active.id}: a server's name now resolves elsewhere; applying it again`);
        await this.applyActive('failover');
      }
      for (const id of this.policy.dueForRetry()) {
        const profile = this.profile(id);
        if (profile === undefined) {
          continue;
        }
        const resolved = await resolveEndpoints(profile, this.options.resolver);
        const answers = resolved.problems.length === 0 && (await profileAnswers(this.options.probe, profile, resolved));
        this.options.log.info(`background check of profile ${id}: ${answers ? 'it answers' : 'no answer'}`);
        if (this.policy.retried(id, answers) !== undefined) {
          this.logEvents();
          await this.applyActive('failover');
          break;
        }
      }
    } catch (error) {
      this.options.log.warn(`the upstream check failed: ${(error as Error).message}`);
    } finally {
      this.checking = false;
      this.checkingSince = null;
    }
  }

  /**
   * Whether a name endpoint of the active profile resolves to another address than the engine sends to. Looked up
   * when the profile has been silent a while (at most every RESOLVE_AGAIN_AFTER_MS) and every REFRESH_NAMES_MS.
   */
  private async endpointsMoved(profile: UpstreamProfile): Promise<boolean> {
    const named = profile.peers.some((peer) => {
      const split = splitEndpoint(peer.endpoint);
      return !('problem' in split) && !split.literal;
    });
    const now = this.now();
    const sinceLookup = now - this.resolvedAt;
    const due =
      sinceLookup >= REFRESH_NAMES_MS ||
      (sinceLookup >= RESOLVE_AGAIN_AFTER_MS && this.policy.silentFor() >= RESOLVE_AGAIN_AFTER_MS);
    if (!named || !due) {
      return false;
    }
    this.resolvedAt = now;
    const [resolved, peers] = await Promise.all([
      resolveEndpoints(profile, this.options.resolver),
      readPeers(this.options.engineSocket()),
    ]);
    return endpointsDiffer(resolved, peers ?? []);
  }

  private async answered(profile: UpstreamProfile): Promise<boolean> {
    const peers = await readPeers(this.options.engineSocket());
    if (peers !== null) {
      const counters = countersOf(peers);
      const moved = answeredBetween(this.counters, counters);
      this.counters = counters;
      if (moved) {
        return true;
      }
    }
    return probeResolver(profile.dns[0]!, RESOLVER_PROBE_TIMEOUT_MS);
  }

  private async applyActive(cause: 'change' | 'failover'): Promise<ApplyOutcome> {
    const document = this.document;
    if (document === null) {
      // Forgotten (a factory reset) while a check was under way: nothing may be applied again.
      return { ok: false, generation: 0, errors: ['no desired state'], rolledBack: false };
    }
    // The reconciler looks the names up as it applies.
    this.resolvedAt = this.now();
    const appliedFromWallMs = Date.now();
    const network = document.network ?? this.options.board!;
    this.counters = null;
    this.options.setStandby(await this.standby(document));
    const inForce = appliedState(document, network, this.policy.active);
    const state = this.options.disarmed?.() === true ? { ...inForce, killSwitch: false } : inForce;
    const validated = parseDesiredState(state);
    if (validated.ok) {
      this.origins.set(JSON.stringify(validated.state), document);
      // States the reconciler replaced before applying them are never persisted: keep the map small.
      for (const stale of [...this.origins.keys()].slice(0, -MAX_ORIGINS)) {
        this.origins.delete(stale);
      }
    }
    const outcome = await this.options.reconciler.submit(state);
    if (outcome.ok && outcome.warnings.length > 0 && this.policy.active !== null) {
      // The active profile's endpoint did not resolve: it cannot work, so the next one takes over now.
      if (this.policy.unusable(outcome.warnings.join('; ')) !== undefined) {
        this.logEvents();
        return this.applyActive('failover');
      }
    }
    if (outcome.ok) {
      this.noticeChange(cause, appliedFromWallMs);
    }
    return outcome;
  }

  /** Tells onChanged when the tunnel or the kill switch in force differs from the last applied. */
  private noticeChange(cause: 'change' | 'failover', appliedFromWallMs: number): void {
    const state = this.options.reconciler.current;
    const key = JSON.stringify({ killSwitch: state?.killSwitch ?? null, tunnel: state?.tunnel ?? null });
    if (key !== this.appliedKey) {
      this.appliedKey = key;
      this.options.onChanged?.(cause, appliedFromWallMs);
    }
  }

  /** What the firewall must know of the profiles not in force: their endpoints and their resolvers. */
  private async standby(document: DesiredStateV2): Promise<StandbyProfiles> {
    const standby = document.upstream.profiles.filter((profile) => profile.id !== this.policy.active);
    const resolved = await Promise.all(standby.map((profile) => resolveEndpoints(profile, this.options.resolver)));
    return {
      endpoints: resolved.flatMap(({ endpoints }) =>
        [...endpoints.values()].map((endpoint) => ({ address: endpoint.address, port: endpoint.port })),
      ),
      resolvers: standby.flatMap((profile) => profile.dns),
    };
  }

  private activeProfile(): UpstreamProfile | undefined {
    return this.policy.active === null ? undefined : this.profile(this.policy.active);
  }

  private profile(id: number): UpstreamProfile | undefined {
    return this.document?.upstream.profiles.find((profile) => profile.id === id);
  }

  private lastLogged: FailoverEvent | null = null;

  /** Logs the policy's events since the last call: every switch is in burrowd's log, with its reason. */
  private logEvents(): void {
    const events = this.policy.events;
    const start = this.lastLogged === null ? 0 : events.indexOf(this.lastLogged) + 1;
    for (const event of events.slice(start)) {
      this.options.log.info(
        `upstream ${event.kind}: ${event.from ?? 'none'} → ${event.to ?? 'none'} (${event.reason})`,
      );
    }
    this.lastLogged = events.at(-1) ?? null;
  }
}
