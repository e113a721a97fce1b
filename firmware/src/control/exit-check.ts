// The exit check: where the Internet sees the household. burrowd fetches a web page that answers the client's
// address, through the tunnel and never the WAN:
//   1. the source is the tunnel's own address (the first IPv4 one, else IPv6); policy rules 1003/1004
//      (os/network-targets.ts) send the router's packets from it through table 51820 or nowhere
//   2. the URL's host name is looked up with the tunnel's resolvers, from that same address (a literal is used as is)
//   3. one GET, bound to that address: 10 s in all, at most 4 KiB of body, no redirects (a redirect could lead
//      anywhere, so it is an error, not followed)
//   4. the body is a plain-text address, or JSON with `ip`, `address`, `origin` or `query` (the common services)
// A check that cannot run answers an error in words; it never throws.
import { Resolver } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { type TunnelState } from './desired-state.js';

export const EXIT_CHECK_TIMEOUT_MS = 10_000;
export const EXIT_CHECK_MAX_BODY_BYTES = 4096;
const RESOLVER_TIMEOUT_MS = 3_000;
const JSON_FIELDS = ['ip', 'address', 'origin', 'query'] as const;

/** What the status report and the `exitCheck` control request carry. */
export interface ExitCheckResult {
  readonly url: string;
  /** The address the Internet saw; null when the check failed. */
  readonly address: string | null;
  /** When it ran, epoch ms. */
  readonly checkedAt: number;
  /** The upstream profile carrying traffic at the time; null when none did. */
  readonly profileId: number | null;
  /** Why there is no address, in words; null when there is one. */
  readonly error: string | null;
}

export interface ExitCheckTarget {
  readonly url: string;
  /** The tunnel's own address, without prefix length: every packet of the check leaves from it. */
  readonly source: string;
  /** The tunnel's resolvers. */
  readonly resolvers: readonly string[];
}

/** The tunnel's address the check sends from: its first IPv4 host address, else its first IPv6; null with none. */
export function tunnelSource(tunnel: TunnelState | null): string | null {
  const hosts = tunnel?.addresses.map((address) => address.split('/')[0]!) ?? [];
  return hosts.find((host) => isIP(host) === 4) ?? hosts.find((host) => isIP(host) === 6) ?? null;
}

/** The address in a body: a plain-text address, or JSON with one of the usual fields; null when there is none. */
export function parseExitAddress(body: string): string | null {
  const text = body.trim();
  if (isIP(text) !== 0) {
    return text;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return null;
  }
  for (const field of JSON_FIELDS) {
    const value = (parsed as Record<string, unknown>)[field];
    // httpbin's `origin` lists the proxies behind the client too ("a, b"): the first is the client.
    const first = typeof value === 'string' ? value.split(',')[0]!.trim() : undefined;
    if (first !== undefined && isIP(first) !== 0) {
      return first;
    }
  }
  return null;
}

/** The URL's host as an address: a literal as it is, a name looked up through the tunnel from `source`. */
async function resolveHost(target: ExitCheckTarget, host: string): Promise<string> {
  if (isIP(host) !== 0) {
    return host;
  }
  if (target.resolvers.length === 0) {
    throw new Error('the tunnel has no resolvers to look the host name up with');
  }
  const family = isIP(target.source);
  const resolver = new Resolver({ timeout: RESOLVER_TIMEOUT_MS, tries: 2 });
  resolver.setServers([...target.resolvers]);
  if (family === 4) {
    resolver.setLocalAddress(target.source);
  } else {
    resolver.setLocalAddress('0.0.0.0', target.source);
  }
  try {
    const addresses = family === 4 ? await resolver.resolve4(host) : await resolver.resolve6(host);
    const [first] = addresses;
    if (first === undefined) {
      throw new Error('no address');
    }
    return first;
  } catch (error) {
    throw new Error(
      `${host} did not resolve through the tunnel: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      { cause: error },
    );
  }
}

/** One GET from `source` to `address`; resolves with the body (at most `EXIT_CHECK_MAX_BODY_BYTES`). */
function get(url: URL, source: string, address: string, signal: AbortSignal): Promise<string> {
  const family = isIP(address);
  // The connection goes to the address looked up through the tunnel, whatever the system resolver would say.
  const lookup: LookupFunction = (_host, options, callback) => {
    if (options.all) {
      (callback as unknown as (error: null, addresses: Array<{ address: string; family: number }>) => void)(null, [
        { address, family },
      ]);
    } else {
      callback(null, address, family);
    }
  };
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.get(
      url,
      {
        localAddress: source,
        lookup,
        family,
        signal,
        agent: false,
        headers: { accept: 'text/plain, application/json', 'user-agent': 'burrowd exit check' },
      },
      (response) => {
        const status = response.statusCode ?? 0;
        if (status >= 300 && status < 400) {
          response.destroy();
          reject(new Error(`the page answered a redirect (${status}); redirects are not followed`));
          return;
        }
        if (status !== 200) {
          response.destroy();
          reject(new Error(`the page answered ${status}`));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > EXIT_CHECK_MAX_BODY_BYTES) {
            response.destroy();
            reject(new Error(`the page is larger than ${EXIT_CHECK_MAX_BODY_BYTES} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        response.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        response.on('error', reject);
      },
    );
    request.on('error', reject);
  });
}

/** Fetches the page through the tunnel and reads the address from it; throws with the reason in words. */
export async function fetchExitAddress(
  target: ExitCheckTarget,
  timeoutMs: number = EXIT_CHECK_TIMEOUT_MS,
): Promise<string> {
  const url = new URL(target.url);
  // URL keeps an IPv6 literal's brackets in `hostname`.
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const signal = AbortSignal.timeout(timeoutMs);
  const timedOut = new Promise<never>((_resolve, reject) =>
    signal.addEventListener('abort', () => reject(new Error(`no answer within ${timeoutMs / 1000} s`)), {
      once: true,
    }),
  );
  const work = (async () => {
    const address = await resolveHost(target, host);
    if (isIP(address) !== isIP(target.source)) {
      throw new Error(
        `${host} is an IPv${isIP(address)} address, but the tunnel's address is IPv${isIP(target.source)}`,
      );
    }
    const body = await get(url, target.source, address, signal);
    const seen = parseExitAddress(body);
    if (seen === null) {
      throw new Error('the page did not answer an address (plain text, or JSON with ip, address, origin or query)');
    }
    return seen;
  })();
  work.catch(() => undefined);
  return Promise.race([work, timedOut]);
}
