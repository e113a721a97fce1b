// Which upstream profile carries the household's traffic: decided here, in burrowd, so failover goes on while
// the API is down. Pure: the monitor feeds it observations and the clock; it answers which profile to apply.
//
//   preference: the profile chosen by hand (if any), then the rest in priority order
//   active ──(nothing answered for DOWN_AFTER since it was activated or last answered)──▶ failed
//     └─▶ the next preferred profile that is not failed becomes active (all failed: the one failed longest ago)
//   failed ──(retry time: 30 s, doubling per failure up to 10 min)──▶ checked in the background (a handshake
//     by a throwaway engine); if it answers and is preferred over the active one, it becomes active again
//
// "Answered" is a completed handshake or a reply through the tunnel: the monitor sends a DNS query to the
// profile's resolver through the tunnel every PROBE_INTERVAL, so a silent server is noticed with or without LAN
// traffic. WireGuard itself retries a handshake every 5 s (REKEY_TIMEOUT); four missed probes and the handshake
// retries they caused are the 20 s after which a server counts as gone. With the switch itself (firewall,
// engine, routes: about a second) and the new handshake, traffic flows again well within 45 s.

export const PROBE_INTERVAL_MS = 5_000;
export const DOWN_AFTER_MS = 20_000;
export const RETRY_AFTER_MS = 30_000;
export const RETRY_MAX_MS = 10 * 60_000;
/**
 * An endpoint's name is looked up again when the active profile has been silent this long (the server may have
 * moved; looked up again at most this often), and every REFRESH_NAMES_MS in any case: getaddrinfo does not tell a
 * name's TTL, so this stands in for it.
 */
export const RESOLVE_AGAIN_AFTER_MS = 10_000;
export const REFRESH_NAMES_MS = 5 * 60_000;

export type ProfileHealthState = 'active' | 'connecting' | 'standby' | 'failed';

export interface ProfileHealth {
  readonly id: number;
  readonly state: ProfileHealthState;
  /** Why it failed last, in words; null while it has not. */
  readonly reason: string | null;
  readonly failedAt: number | null;
  readonly retryAt: number | null;
}

export interface FailoverEvent {
  readonly at: number;
  /** `failed_over`: the active profile failed and another took over; `recovered`: a preferred one is back. */
  readonly kind: 'activated' | 'failed_over' | 'recovered' | 'all_failed';
  readonly from: number | null;
  readonly to: number | null;
  readonly reason: string;
}

interface Health {
  failures: number;
  failedAt: number | null;
  retryAt: number | null;
  reason: string | null;
}

const MAX_EVENTS = 50;

export class FailoverPolicy {
  private preference: number[] = [];
  private health = new Map<number, Health>();
  private activeId: number | null = null;
  private selectedId: number | null = null;
  private activeSince = 0;
  private lastAnswerAt: number | null = null;
  private readonly recent: FailoverEvent[] = [];
  private failedOver = 0;

  constructor(private readonly now: () => number = Date.now) {}

  get active(): number | null {
    return this.activeId;
  }

  /** Failovers (the active profile failed and another took over) since this policy was made. */
  get failovers(): number {
    return this.failedOver;
  }

  /** The newest events, oldest first. */
  get events(): readonly FailoverEvent[] {
    return this.recent;
  }

  /**
   * A new list of profiles (ids in priority order) and the one chosen by hand. Health carries over for ids that
   * stay; returns the profile to apply now.
   */
  update(ids: readonly number[], selectedId: number | null): number | null {
    this.preference = selectedId === null ? [...ids] : [selectedId, ...ids.filter((id) => id !== selectedId)];
    this.health = new Map(ids.map((id) => [id, this.health.get(id) ?? fresh()]));
    if (selectedId !== null && selectedId !== this.selectedId && ids.includes(selectedId)) {
      // Chosen by hand just now: the household wants it tried now, whatever happened to it before.
      this.health.set(selectedId, fresh());
    }
    this.selectedId = selectedId;
    const choice = this.choose();
    if (choice !== this.activeId) {
      this.activate(choice, 'activated', 'the profile list or the choice changed');
    }
    return this.activeId;
  }

  /** The active profile answered: a handshake completed or a probe came back through the tunnel. */
  answered(): void {
    this.lastAnswerAt = this.now();
    if (this.activeId !== null) {
      this.health.set(this.activeId, fresh());
    }
  }

  /** How long the active profile has not answered, since it was activated or last answered. */
  silentFor(): number {
    return this.now() - Math.max(this.activeSince, this.lastAnswerAt ?? 0);
  }

  /** Checks the active profile; returns the profile to switch to, or undefined to stay. */
  tick(): number | null | undefined {
    if (this.activeId === null) {
      return undefined;
    }
    const silent = this.silentFor();
    if (silent < DOWN_AFTER_MS) {
      return undefined;
    }
    return this.fail(this.activeId, `no answer through the tunnel for ${Math.round(silent / 1000)} s`);
  }

  /** The active profile cannot work at all (its endpoint does not resolve); fails it at once. */
  unusable(reason: string): number | null | undefined {
    return this.activeId === null ? undefined : this.fail(this.activeId, reason);
  }

  /** Failed profiles preferred over the active one whose retry time has come, most preferred first. */
  dueForRetry(): number[] {
    const now = this.now();
    const ahead = this.activeId === null ? this.preference : this.preference.slice(0, this.rank(this.activeId));
    return ahead.filter((id) => {
      const health = this.health.get(id);
      return health !== undefined && health.retryAt !== null && health.retryAt <= now;
    });
  }

  /** The outcome of a background check; returns the profile to switch to when a preferred one is back. */
  retried(id: number, answered: boolean): number | null | undefined {
    const health = this.health.get(id);
    if (health === undefined) {
      return undefined;
    }
    if (!answered) {
      this.markFailed(id, health.reason ?? 'no handshake', health.failures + 1);
      return undefined;
    }
    this.health.set(id, fresh());
    if (this.activeId === null || this.rank(id) < this.rank(this.activeId)) {
      this.activate(id, 'recovered', 'it answers again and comes first');
      return id;
    }
    return undefined;
  }

  profiles(): ProfileHealth[] {
    return this.preference.map((id) => {
      const health = this.health.get(id) ?? fresh();
      const state: ProfileHealthState =
        id === this.activeId
          ? this.lastAnswerAt === null
            ? 'connecting'
            : 'active'
          : health.failedAt === null
            ? 'standby'
            : 'failed';
      return { id, state, reason: health.reason, failedAt: health.failedAt, retryAt: health.retryAt };
    });
  }

  private fail(id: number, reason: string): number | null | undefined {
    const health = this.health.get(id) ?? fresh();
    this.markFailed(id, reason, health.failures + 1);
    const next = this.choose();
    if (next === id) {
      // Every profile has failed: stay on this one (the kill switch holds), and say so once.
      this.record('all_failed', id, id, `every profile has failed (last: ${reason}); trying this one again`);
      this.activeSince = this.now();
      this.lastAnswerAt = null;
      return undefined;
    }
    this.activate(next, 'failed_over', reason);
    return next;
  }

  private markFailed(id: number, reason: string, failures: number): void {
    const now = this.now();
    const wait = Math.min(RETRY_AFTER_MS * 2 ** (failures - 1), RETRY_MAX_MS);
    this.health.set(id, { failures, failedAt: now, retryAt: now + wait, reason });
  }

  /** The most preferred profile that has not failed; when all have, the one that failed longest ago. */
  private choose(): number | null {
    const healthy = this.preference.find((id) => this.health.get(id)?.failedAt === null);
    if (healthy !== undefined) {
      return healthy;
    }
    let oldest: number | null = null;
    for (const id of this.preference) {
      if (oldest === null || this.health.get(id)!.failedAt! < this.health.get(oldest)!.failedAt!) {
        oldest = id;
      }
    }
    return oldest;
  }

  private activate(id: number | null, kind: FailoverEvent['kind'], reason: string): void {
    const from = this.activeId;
    this.activeId = id;
    this.activeSince = this.now();
    this.lastAnswerAt = null;
    this.record(kind, from, id, reason);
  }

  private record(kind: FailoverEvent['kind'], from: number | null, to: number | null, reason: string): void {
    if (kind === 'failed_over') {
      this.failedOver += 1;
    }
    this.recent.push({ at: this.now(), kind, from, to, reason });
    if (this.recent.length > MAX_EVENTS) {
      this.recent.shift();
    }
  }

  private rank(id: number): number {
    const index = this.preference.indexOf(id);
    return index === -1 ? Number.MAX_SAFE_INTEGER : index;
  }
}

function fresh(): Health {
  return { failures: 0, failedAt: null, retryAt: null, reason: null };
}
