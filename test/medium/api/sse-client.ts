// Reads GET /api/status/stream as the page's EventSource would: each `event:` / `data:` block, parsed, as it comes.
import { type InProcessApi } from './in-process-api.js';
import { type Session } from './session-client.js';

export interface StreamEvent {
  event: string;
  data: Record<string, unknown>;
}

export interface OpenStream {
  readonly status: number;
  readonly events: StreamEvent[];
  /** Resolves when the server ends the stream. */
  readonly ended: Promise<void>;
  /** The first event from now on (or already received, unseen) that matches; fails after `timeoutMs`. */
  next(predicate: (event: StreamEvent) => boolean, timeoutMs: number): Promise<StreamEvent>;
  close(): void;
}

export async function openStream(api: InProcessApi, session: Session | undefined): Promise<OpenStream> {
  const abort = new AbortController();
  const response = await fetch(`${api.url}/api/status/stream`, {
    headers: session === undefined ? {} : { cookie: `__Host-burrow_session=${session.token}` },
    signal: abort.signal,
  });
  const events: StreamEvent[] = [];
  const waiters = new Set<() => void>();
  const ended = (async () => {
    if (response.status !== 200 || response.body === null) {
      await response.text();
      return;
    }
    const decoder = new TextDecoder();
    let buffered = '';
    const reader = response.body.getReader();
    try {
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
        buffered += decoder.decode(chunk.value, { stream: true });
        let end: number;
        while ((end = buffered.indexOf('\n\n')) !== -1) {
          const block = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event !== undefined && data !== undefined) {
            events.push({ event, data: JSON.parse(data) as Record<string, unknown> });
            waiters.forEach((wake) => wake());
          }
        }
      }
    } catch {
      // Aborted by close().
    }
  })();
  return {
    status: response.status,
    events,
    ended,
    next: async (predicate, timeoutMs) => {
      const deadline = Date.now() + timeoutMs;
      let seen = 0;
      for (;;) {
        const found = events.slice(seen).find(predicate);
        if (found !== undefined) {
          return found;
        }
        seen = events.length;
        const left = deadline - Date.now();
        if (left <= 0) {
          throw new Error(`no matching event within ${timeoutMs} ms; got ${events.map((e) => e.event).join(', ')}`);
        }
        await new Promise<void>((resolve) => {
          const wake = () => {
            waiters.delete(wake);
            clearTimeout(timer);
            resolve();
          };
          const timer = setTimeout(wake, left);
          waiters.add(wake);
        });
      }
    },
    close: () => abort.abort(),
  };
}
