import { untrack } from 'svelte';
import type { GatewayStatus, RouterEvent, SystemStatus } from '$lib/api/types';
import type { GatewayMonitor } from './gateway.svelte';
import type { Poller } from './poller.svelte';

export const STATUS_STREAM_URL = '/api/status/stream';
/** Errors in a row (the browser retrying by itself) before the page polls instead. */
const ERRORS_BEFORE_FALLBACK = 3;
/** After falling back to polling, the stream is tried again this long after. */
const RETRY_STREAM_MS = 30_000;

/**
 * The live status stream (`GET /api/status/stream`, server-sent events) for the whole app: while it is open it
 * feeds the gateway monitor and the system status, and holds their polls. The browser's EventSource reconnects by
 * itself (the API restarting); when the stream is refused (a 401 once the session ended, a 429 with too many tabs)
 * or keeps failing, the polls take over and the stream is tried again later. A hidden tab closes it, as the polls
 * stop then too. New events (a failover, the kill switch turned off…) go to whoever listens with `onEvent`.
 */
export class StatusStream {
  /** Whether the stream is open now (for tests and for the page's "live" hint). */
  live = $state(false);
  /**
   * Whether the stream keeps the page fresh, so polls rest: from its opening until it is closed or given up for
   * polling, through the browser's own quick retries (a stream the API ends at a sign-out is one of those).
   */
  feeding = $state(false);
  readonly #gateway: GatewayMonitor;
  readonly #system: Poller<SystemStatus>;
  readonly #url: string;
  #source: EventSource | undefined;
  // Callbacks, not state: nothing renders from this set.
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  readonly #eventListeners = new Set<(event: RouterEvent) => void>();
  #errors = 0;
  #retry: ReturnType<typeof setTimeout> | undefined;
  #running = false;
  /** The router's clock minus this device's, from the system figures' `time`. */
  #clockOffsetMs = 0;

  constructor(gateway: GatewayMonitor, system: Poller<SystemStatus>, url: string = STATUS_STREAM_URL) {
    this.#gateway = gateway;
    this.#system = system;
    this.#url = url;
  }

  /** Opens the stream for a signed-in user; returns the function that closes it (fits `$effect` cleanup). */
  start(): () => void {
    if (!this.#running) {
      this.#running = true;
      document.addEventListener('visibilitychange', this.#onVisibilityChange);
      untrack(() => this.#onVisibilityChange());
    }
    return () => untrack(() => this.stop());
  }

  /** Calls `listener` with each new event while the stream is open; returns the function that stops it. */
  onEvent(listener: (event: RouterEvent) => void): () => void {
    this.#eventListeners.add(listener);
    return () => this.#eventListeners.delete(listener);
  }

  stop(): void {
    this.#running = false;
    document.removeEventListener('visibilitychange', this.#onVisibilityChange);
    this.#close();
  }

  readonly #onVisibilityChange = (): void => {
    if (document.hidden) {
      this.#close();
    } else {
      this.#open();
    }
  };

  #open(): void {
    if (!this.#running || this.#source !== undefined || typeof EventSource === 'undefined') {
      return;
    }
    this.#cancelRetry();
    const source = new EventSource(this.#url);
    this.#source = source;
    source.addEventListener('open', () => {
      this.#errors = 0;
      this.live = true;
      this.#hold(true);
    });
    source.addEventListener('gateway', (event) => {
      const status = JSON.parse((event as MessageEvent<string>).data) as GatewayStatus;
      this.#gateway.accept({ status, routerTime: Date.now() + this.#clockOffsetMs });
    });
    source.addEventListener('system', (event) => {
      const system = JSON.parse((event as MessageEvent<string>).data) as SystemStatus;
      const routerTime = Date.parse(system.time);
      this.#clockOffsetMs = Number.isNaN(routerTime) ? 0 : routerTime - Date.now();
      this.#system.accept(system);
    });
    source.addEventListener('event', (message) => {
      const event = JSON.parse((message as MessageEvent<string>).data) as RouterEvent;
      this.#eventListeners.forEach((listener) => listener(event));
    });
    source.addEventListener('error', () => {
      this.#errors += 1;
      this.live = false;
      // CLOSED: refused (not signed in, too many streams); otherwise the browser is retrying by itself.
      if (source.readyState === EventSource.CLOSED || this.#errors >= ERRORS_BEFORE_FALLBACK) {
        this.#fallBack();
      }
    });
  }

  /** The polls take over; the stream is tried again later. */
  #fallBack(): void {
    this.#close();
    if (this.#running) {
      this.#retry = setTimeout(() => this.#open(), RETRY_STREAM_MS);
    }
  }

  #close(): void {
    this.#cancelRetry();
    this.#source?.close();
    this.#source = undefined;
    this.#errors = 0;
    this.live = false;
    this.#hold(false);
  }

  #hold(held: boolean): void {
    this.feeding = held;
    this.#gateway.hold(held);
    this.#system.hold(held);
  }

  #cancelRetry(): void {
    if (this.#retry !== undefined) {
      clearTimeout(this.#retry);
      this.#retry = undefined;
    }
  }
}
