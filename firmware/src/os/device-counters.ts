// The kernel's per-device byte counters (lan-device-rules.ts: dynamic sets with a counter per element) read back,
// and kept cumulative across burrowd's own re-renders: every apply replaces `table inet burrow` whole, which starts
// the sets empty, so the counts read just before a replace are added to a running base once the replace succeeded.
// The base lives in burrowd's memory; a new burrowd's first replace reads the table the old one left in the kernel,
// so the counts go on across a burrowd restart and start again from 0 only when the box does (the API treats a
// decrease as a reset). It is bounded like the sets it carries: a LAN device making up MACs or addresses fills the
// kernel's sets, and without a bound every re-render would carry another set's worth into the base for good; past
// the bound the keys with the fewest bytes go (a flood's few bytes each), so the household's devices stay.
import { type Executor } from './exec.js';
import { COUNTER_SET_SIZE, COUNTER_SETS } from './lan-device-rules.js';
import { listTable } from './nft-apply.js';
import { formatIp, parseIp } from '../net/ip.js';
import { isCanonicalMac } from '../net/mac.js';

/** Bytes per key: tx by MAC ("aa:bb:…"), rx by address (canonical IPv4 or IPv6 text). */
export interface DeviceCounts {
  readonly tx: ReadonlyMap<string, number>;
  readonly rx: ReadonlyMap<string, number>;
}

/** Keys the base keeps at most: as many as the sets hold (tx one set, rx one per family). */
const BASE_MAX = { tx: COUNTER_SET_SIZE, rx: 2 * COUNTER_SET_SIZE } as const;

export const NO_COUNTS: DeviceCounts = { tx: new Map(), rx: new Map() };

/**
 * The counting sets' elements in `nft -j list table inet burrow` output; a table without them (the minimal one,
 * or none) counts nothing. Elements that are not what the sets hold are skipped.
 */
export function parseDeviceCounts(json: string): DeviceCounts {
  const tx = new Map<string, number>();
  const rx = new Map<string, number>();
  const items = (JSON.parse(json) as { nftables?: unknown }).nftables;
  if (!Array.isArray(items)) {
    return { tx, rx };
  }
  for (const item of items) {
    const set = isRecord(item) ? item['set'] : undefined;
    if (!isRecord(set) || !Array.isArray(set['elem'])) {
      continue;
    }
    const name = set['name'];
    const target = name === COUNTER_SETS.tx ? tx : name === COUNTER_SETS.rxV4 || name === COUNTER_SETS.rxV6 ? rx : null;
    if (target === null) {
      continue;
    }
    for (const entry of set['elem'] as unknown[]) {
      const elem = isRecord(entry) ? entry['elem'] : undefined;
      if (!isRecord(elem) || typeof elem['val'] !== 'string' || !isRecord(elem['counter'])) {
        continue;
      }
      const bytes = elem['counter']['bytes'];
      const key = target === tx ? macKey(elem['val']) : addressKey(elem['val']);
      if (key !== null && typeof bytes === 'number' && Number.isSafeInteger(bytes) && bytes >= 0) {
        target.set(key, (target.get(key) ?? 0) + bytes);
      }
    }
  }
  return { tx, rx };
}

/** What the kernel counts now; nothing when the table is not loaded (`nft` says so), other failures throw. */
export async function readDeviceCounts(executor: Executor): Promise<DeviceCounts> {
  const listing = await listTable(executor, ['-j']);
  return listing === null ? NO_COUNTS : parseDeviceCounts(listing);
}

/** The counts of earlier tables plus the loaded one's: cumulative while this burrowd runs. */
export class DeviceByteTotals {
  private readonly base = { tx: new Map<string, number>(), rx: new Map<string, number>() };

  /**
   * Replaces the table with `replace` (which renders and applies it), keeping the counts: they are read just
   * before, and added to the base only when the replace succeeded (a refused table keeps counting on its own).
   * A failed read loses those counts, never the apply.
   */
  async replacing<T>(executor: Executor, replace: () => Promise<T>): Promise<T> {
    const before = await readDeviceCounts(executor).catch(() => NO_COUNTS);
    const result = await replace();
    this.add(before);
    return result;
  }

  /** Adds counts of a table that is gone to the base. */
  add(counts: DeviceCounts): void {
    addInto(this.base.tx, counts.tx);
    addInto(this.base.rx, counts.rx);
    keepBusiest(this.base.tx, BASE_MAX.tx);
    keepBusiest(this.base.rx, BASE_MAX.rx);
  }

  /** Forgets everything (a factory reset forgets the household's devices). */
  clear(): void {
    this.base.tx.clear();
    this.base.rx.clear();
  }

  /** The base plus the loaded table's counts. */
  total(current: DeviceCounts): DeviceCounts {
    const tx = new Map(this.base.tx);
    const rx = new Map(this.base.rx);
    addInto(tx, current.tx);
    addInto(rx, current.rx);
    return { tx, rx };
  }
}

function addInto(target: Map<string, number>, counts: ReadonlyMap<string, number>): void {
  for (const [key, bytes] of counts) {
    target.set(key, (target.get(key) ?? 0) + bytes);
  }
}

/** Drops the keys with the fewest bytes until at most `max` are left (ties: the greater key goes, so it is stable). */
function keepBusiest(counts: Map<string, number>, max: number): void {
  if (counts.size <= max) {
    return;
  }
  const dropped = [...counts]
    .sort(([keyA, a], [keyB, b]) => b - a || (keyA < keyB ? -1 : keyA > keyB ? 1 : 0))
    .slice(max);
  for (const [key] of dropped) {
    counts.delete(key);
  }
}

function macKey(value: string): string | null {
  const mac = value.toLowerCase();
  return isCanonicalMac(mac) ? mac : null;
}

/** Canonical text, so "fd08::0:1" and "fd08::1" are one key, as the neighbour table writes it. */
export function addressKey(value: string): string | null {
  const bytes = parseIp(value);
  return bytes === null ? null : formatIp(bytes);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
