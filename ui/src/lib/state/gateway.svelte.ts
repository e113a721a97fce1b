import { untrack } from 'svelte';
import type { GatewayStatus } from '$lib/api/types';
import type { GatewayReading } from '$lib/services/gateway.service';
import { Poller } from './poller.svelte';

/** Pace of the gateway poll while no page watches it closely: enough for the kill-switch banner. */
export const GATEWAY_BACKGROUND_MS = 15_000;

/**
 * The household gateway (kill switch, tunnel, failover) for every page, from one poll of `GET /api/gateway`:
 * the kill-switch banner reads it on every page, and a page that shows the tunnel live asks for a faster pace
 * with `watch` while it is open. While the live status stream (`status-stream.svelte.ts`) is open, it feeds
 * `accept` and holds the poll; pages do not know which of the two brought the state.
 */
export class GatewayMonitor {
  readonly #poller: Poller<GatewayReading>;
  /** The paces pages asked for; not state, nothing renders it. */
  #watchers: Array<{ intervalMs: number }> = [];

  constructor(load: () => Promise<GatewayReading>, backgroundMs: number = GATEWAY_BACKGROUND_MS) {
    this.#poller = new Poller(load, backgroundMs);
    this.backgroundMs = backgroundMs;
  }

  readonly backgroundMs: number;

  get status(): GatewayStatus | undefined {
    return this.#poller.data?.status;
  }

  /** The router's clock when `status` was read (epoch ms). */
  get routerTime(): number | undefined {
    return this.#poller.data?.routerTime;
  }

  get error(): Error | undefined {
    return this.#poller.error;
  }

  get lastUpdated(): number | undefined {
    return this.#poller.lastUpdated;
  }

  get paused(): boolean {
    return this.#poller.paused;
  }

  get intervalMs(): number {
    return this.#poller.intervalMs;
  }

  /** Starts for a signed-in user; returns the function that stops (fits `$effect` cleanup). */
  start(): () => void {
    return this.#poller.start();
  }

  /** At sign-out: stops and forgets, so the next user of this browser never sees it. */
  clear(): void {
    this.#poller.clear();
  }

  /** While the live status stream feeds `accept`, the poll waits; letting go polls at once. */
  hold(held: boolean): void {
    this.#poller.hold(held);
  }

  /** Reads the gateway now, e.g. right after a change to the profiles. */
  refresh(): void {
    this.#poller.refresh();
  }

  /** A change answered with the whole gateway state (the kill switch): shown at once, no poll needed. */
  accept(reading: GatewayReading): void {
    this.#poller.accept(reading);
  }

  /**
   * Polls every `intervalMs` (or faster, if another watcher asks) until the returned function is called;
   * reads at once, so a page opens on fresh data. Called from an `$effect`, it makes the effect depend on
   * nothing it reads or writes here.
   */
  watch(intervalMs: number): () => void {
    const watcher = { intervalMs };
    untrack(() => {
      this.#watchers = [...this.#watchers, watcher];
      this.#pace();
      this.#poller.refresh();
    });
    return () => {
      untrack(() => {
        this.#watchers = this.#watchers.filter((other) => other !== watcher);
        this.#pace();
      });
    };
  }

  #pace(): void {
    const fastest = Math.min(this.backgroundMs, ...this.#watchers.map((watcher) => watcher.intervalMs));
    this.#poller.setIntervalMs(fastest);
  }
}
