// The API's environment, parsed and validated once at boot. Nothing else reads process.env.
import { isIP } from 'node:net';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatIpPrefix, parseIpPrefix } from '@burrow/firmware/net/ip';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The largest Unix socket path the kernel accepts: sun_path is 108 bytes including the final NUL. */
const MAX_SOCKET_PATH_BYTES = 107;
const HOSTNAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/** The validated settings; an instance is provided to the Nest container under this class. */
export class AppEnv {
  constructor(
    /** Everything the box keeps: `burrow.db`, `certs/`, `backups/`. Absolute. */
    readonly dataDir: string,
    /** Where both listeners bind. */
    readonly httpHost: string,
    /** Plain HTTP: redirects to HTTPS, and hands out the CA certificate. 80 on the device. */
    readonly httpPort: number,
    /** The web page and the API, over TLS. 443 on the device. */
    readonly httpsPort: number,
    readonly logLevel: LogLevel,
    /** The built web page. Absolute. */
    readonly uiDir: string,
    /** burrowd's control socket. Absolute. */
    readonly firmwareSocket: string,
    /**
     * Reverse proxies whose `X-Forwarded-*` headers are believed, as CIDRs (`10.0.0.1/32`, `fd00::/8`).
     * Empty by default: the client address is the socket's.
     */
    readonly trustedProxies: readonly string[],
  ) {}
}

/** Thrown with every problem found, so one failed boot tells the operator everything to fix. */
export class EnvError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid environment:\n${problems.map((problem) => `  ${problem}`).join('\n')}`);
    this.name = 'EnvError';
  }
}

// api/dist/env.js → <repo>/ui/dist: the UI is built next to the API in the repo and in the device bundle.
const DEFAULT_UI_DIR = fileURLToPath(new URL('../../ui/dist', import.meta.url));

type Vars = Readonly<Record<string, string | undefined>>;
type Parsed<T> = { value: T } | { problem: string };

const KNOWN_VARIABLES = [
  'BURROW_DATA_DIR',
  'BURROW_HTTP_HOST',
  'BURROW_HTTP_PORT',
  'BURROW_HTTPS_PORT',
  'BURROW_LOG_LEVEL',
  'BURROW_UI_DIR',
  'BURROW_FIRMWARE_SOCKET',
  'BURROW_TRUSTED_PROXIES',
] as const;
type KnownVariable = (typeof KNOWN_VARIABLES)[number];

/**
 * Parses `BURROW_*` variables. Unknown `BURROW_*` names are errors (a typo must not silently fall
 * back to a default); their values are never echoed, since they may be secrets meant for something else.
 */
export function parseEnv(vars: Vars, cwd: string = process.cwd()): AppEnv {
  const problems: string[] = [];
  const read = <T>(name: KnownVariable, parse: (raw: string) => Parsed<T>, fallback: T | undefined): T => {
    const raw = vars[name];
    if (raw === undefined) {
      if (fallback === undefined) {
        problems.push(`${name}: is required`);
      }
      return fallback as T;
    }
    if (raw === '') {
      problems.push(`${name}: is empty (unset it to use the default)`);
      return fallback as T;
    }
    const parsed = parse(raw);
    if ('problem' in parsed) {
      problems.push(`${name}: ${parsed.problem} (got ${quote(raw)})`);
      return fallback as T;
    }
    return parsed.value;
  };

  const toPath = (raw: string) => parsePath(raw, cwd);
  const env = new AppEnv(
    read('BURROW_DATA_DIR', toPath, undefined),
    read('BURROW_HTTP_HOST', parseHost, '127.0.0.1'),
    read('BURROW_HTTP_PORT', parsePort, 8080),
    read('BURROW_HTTPS_PORT', parsePort, 8443),
    read('BURROW_LOG_LEVEL', parseLogLevel, 'info'),
    read('BURROW_UI_DIR', toPath, DEFAULT_UI_DIR),
    read('BURROW_FIRMWARE_SOCKET', (raw) => parseSocketPath(raw, cwd), '/run/burrow/burrowd.sock'),
    read('BURROW_TRUSTED_PROXIES', parseCidrList, []),
  );

  if (env.httpPort === env.httpsPort) {
    problems.push(`BURROW_HTTPS_PORT: must differ from BURROW_HTTP_PORT (both are ${env.httpPort})`);
  }

  const known = new Set<string>(KNOWN_VARIABLES);
  for (const name of Object.keys(vars).sort()) {
    if (name.startsWith('BURROW_') && !known.has(name) && vars[name] !== undefined) {
      problems.push(`${name}: is not a known variable (known: ${KNOWN_VARIABLES.join(', ')})`);
    }
  }

  if (problems.length > 0) {
    throw new EnvError(problems);
  }
  return env;
}

function parsePath(raw: string, cwd: string): Parsed<string> {
  if (hasControlCharacters(raw)) {
    return { problem: 'must not contain control characters' };
  }
  return { value: isAbsolute(raw) ? resolve(raw) : resolve(cwd, raw) };
}

// Control characters in a path end up in logs and config files; no legitimate path needs them.
function hasControlCharacters(raw: string): boolean {
  return [...raw].some((character) => character < ' ' || character === '\u007f');
}

function parseSocketPath(raw: string, cwd: string): Parsed<string> {
  const parsed = parsePath(raw, cwd);
  if ('value' in parsed && Buffer.byteLength(parsed.value) > MAX_SOCKET_PATH_BYTES) {
    return { problem: `must be at most ${MAX_SOCKET_PATH_BYTES} bytes long once made absolute (a Unix socket limit)` };
  }
  return parsed;
}

function parseHost(raw: string): Parsed<string> {
  if (isIP(raw) !== 0 || HOSTNAME.test(raw)) {
    return { value: raw };
  }
  return { problem: 'must be an IP address or a host name' };
}

function parsePort(raw: string): Parsed<number> {
  const port = /^\d{1,5}$/.test(raw) ? Number(raw) : NaN;
  if (port >= 1 && port <= 65535) {
    return { value: port };
  }
  return { problem: 'must be a whole number from 1 to 65535' };
}

/** `a.b.c.d/n, x::y/n, …`; a bare address means just that host (/32 or /128). */
function parseCidrList(raw: string): Parsed<string[]> {
  const cidrs: string[] = [];
  for (const item of raw.split(',').map((part) => part.trim())) {
    const cidr = parseCidr(item);
    if (cidr === undefined) {
      return { problem: 'must be a comma-separated list of IP addresses or CIDRs such as 10.0.0.1/32 or fd00::/8' };
    }
    cidrs.push(cidr);
  }
  return { value: cidrs };
}

/** The firmware's parser, so a proxy is read as the router reads addresses; written back in canonical text. */
function parseCidr(item: string): string | undefined {
  const prefix = parseIpPrefix(item);
  return prefix === null ? undefined : formatIpPrefix(prefix);
}

function parseLogLevel(raw: string): Parsed<LogLevel> {
  const level = LOG_LEVELS.find((candidate) => candidate === raw);
  if (level !== undefined) {
    return { value: level };
  }
  return { problem: `must be one of ${LOG_LEVELS.join(', ')}` };
}

/** Quotes a value for an error message, cut short so a pasted blob cannot flood the console. */
function quote(raw: string): string {
  const shown = raw.length > 80 ? `${raw.slice(0, 80)}…` : raw;
  return JSON.stringify(shown);
}
