import { Injectable } from '@nestjs/common';

/** What one POST to a webhook came to. `error` never holds the URL, which may carry a token. */
export interface WebhookOutcome {
  ok: boolean;
  /** The HTTP status it answered; null when it did not answer. */
  status: number | null;
  error: string | null;
}

/** Node's error codes for the failures a household meets, in words. */
const CAUSES: Record<string, string> = {
  ECONNREFUSED: 'the connection was refused',
  ECONNRESET: 'the connection was reset',
  EHOSTUNREACH: 'the host is unreachable',
  ENETUNREACH: 'the network is unreachable',
  ENOTFOUND: 'the host name does not resolve',
  EAI_AGAIN: 'the host name could not be looked up',
  ETIMEDOUT: 'the connection timed out',
  UND_ERR_CONNECT_TIMEOUT: 'the connection timed out',
  UND_ERR_SOCKET: 'the connection closed early',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'its certificate is self-signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'its certificate is not trusted (self-signed chain)',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'its certificate is not trusted',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'its certificate is not trusted',
  CERT_HAS_EXPIRED: 'its certificate has expired',
  ERR_TLS_CERT_ALTNAME_INVALID: 'its certificate does not name the host',
};

/**
 * Sends events to the webhook the admin set: one JSON POST per call, with a deadline, never following a redirect
 * (a POST turned into a GET elsewhere is not a delivery). Never throws: every failure comes back as an outcome.
 */
@Injectable()
export class WebhookRepository {
  async post(url: string, body: unknown, timeoutMs: number): Promise<WebhookOutcome> {
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'User-Agent': 'Burrow-router' },
        body: JSON.stringify(body),
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
      // Only the status matters: the body is dropped unread so the connection is freed, and a body that cannot be
      // cancelled (already closed) changes nothing about the outcome.
      await response.body?.cancel().catch(() => undefined);
      const ok = response.status >= 200 && response.status < 300;
      return { ok, status: response.status, error: ok ? null : `it answered HTTP ${response.status}` };
    } catch (error) {
      return { ok: false, status: null, error: describe(error, timeoutMs) };
    }
  }
}

/** A failure in words, from its name and code only: Node's messages can quote the URL. */
function describe(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return `no answer within ${timeoutMs >= 1_000 ? `${Math.round(timeoutMs / 1_000)} s` : `${timeoutMs} ms`}`;
  }
  const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  if (code === undefined) {
    return 'the request failed';
  }
  return CAUSES[code] ?? `the request failed (${code})`;
}
