// The LAN bridge's neighbour table (`ip -j neigh show dev <lan>`): which address each device answers on now, with
// the kernel's view of whether it is reachable. Read for status; entries without a link-layer address (a device
// that never answered) carry no MAC and are kept only as addresses to nobody.
import { type Executor, IP_PATH } from './exec.js';
import { formatIp, parseIp } from '../net/ip.js';
import { isInterfaceName } from '../control/desired-state.js';
import { isCanonicalMac } from '../net/mac.js';

export type NeighbourState =
  'reachable' | 'stale' | 'delay' | 'probe' | 'failed' | 'incomplete' | 'permanent' | 'noarp';

export interface Neighbour {
  /** Canonical address text. */
  readonly ip: string;
  /** Lowercase "aa:bb:…"; null while the kernel knows none (incomplete, failed). */
  readonly mac: string | null;
  /** The most telling of the kernel's NUD states for the entry; null when it lists none we know. */
  readonly state: NeighbourState | null;
}

const STATES: readonly NeighbourState[] = [
  'reachable',
  'delay',
  'probe',
  'stale',
  'permanent',
  'noarp',
  'incomplete',
  'failed',
];
const NEIGH_TIMEOUT_MS = 5_000;

/** Entries of `ip -j neigh show` output; anything not an entry we understand is skipped. */
export function parseNeighbours(json: string): Neighbour[] {
  const parsed = JSON.parse(json) as unknown;
  if (!Array.isArray(parsed)) {
    return [];
  }
  const result: Neighbour[] = [];
  for (const entry of parsed as unknown[]) {
    if (typeof entry !== 'object' || entry === null) {
      continue;
    }
    const { dst, lladdr, state } = entry as { dst?: unknown; lladdr?: unknown; state?: unknown };
    const bytes = typeof dst === 'string' ? parseIp(dst) : null;
    if (bytes === null) {
      continue;
    }
    const mac = typeof lladdr === 'string' && isCanonicalMac(lladdr.toLowerCase()) ? lladdr.toLowerCase() : null;
    const states = Array.isArray(state) ? state.map((item) => String(item).toLowerCase()) : [];
    result.push({ ip: formatIp(bytes), mac, state: STATES.find((known) => states.includes(known)) ?? null });
  }
  return result;
}

/** The neighbours on the LAN bridge `lan`, both families. */
export async function readNeighbours(executor: Executor, lan: string): Promise<Neighbour[]> {
  if (!isInterfaceName(lan)) {
    throw new SyntaxError(`not a valid interface name: ${JSON.stringify(lan)}`);
  }
  const { stdout } = await executor.run([IP_PATH, '-j', 'neigh', 'show', 'dev', lan], { timeoutMs: NEIGH_TIMEOUT_MS });
  return stdout.trim() === '' ? [] : parseNeighbours(stdout);
}
