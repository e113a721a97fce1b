// Loading and reading back `table inet burrow` with nft(8). A rendered ruleset is applied with `nft -f -` in one
// kernel transaction: it replaces the whole table or, when anything in it is refused, changes nothing at all.
// What is loaded is read back as `nft -j` JSON, normalised (no handles, no counter values, set elements sorted)
// and hashed, so "is the loaded table still the one we applied?" is a comparison of two digests.
import { createHash } from 'node:crypto';
import { ExecError, type Executor } from './exec.js';
import { COUNTER_SETS } from './lan-device-rules.js';
import { rulesetFingerprint, TABLE_FAMILY, TABLE_NAME } from './nft-ruleset.js';

/** Sets whose elements the kernel adds as traffic flows: their contents are counts, not the ruleset. */
const DYNAMIC_SETS: ReadonlySet<string> = new Set(Object.values(COUNTER_SETS));

/**
 * By absolute path: a privileged daemon does not let PATH choose its tools (and under npm, PATH starts with
 * node_modules/.bin, where a JavaScript tool of the same name lives).
 */
export const NFT_PATH = '/usr/sbin/nft';
const NFT_TIMEOUT_MS = 15_000;

export class NftError extends Error {
  override readonly name = 'NftError';

  constructor(
    message: string,
    /** nft's own diagnostics, with the offending line of the ruleset quoted. */
    readonly stderr: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** One object of `nft -j` output (`{ "chain": {...} }`, `{ "rule": {...} }`, ...), normalised. */
export type NftObject = Readonly<Record<string, unknown>>;

export interface LoadedRuleset {
  /** The fingerprint comment of the loaded table; null for a table burrowd did not render. */
  readonly fingerprint: string | null;
  /** Sets, chains and rules in nft's order, without handles or counter values. */
  readonly objects: readonly NftObject[];
  /** sha256 of the normalised objects: equal digests, equal tables. */
  readonly digest: string;
}

export type RulesetStatus = { readonly current: true } | { readonly current: false; readonly reason: string };

/**
 * Replaces the table with `text` in one transaction, then reads it back and returns what is loaded (keep it for
 * isLoadedRulesetCurrent). Throws NftError when nft refuses the text; the table loaded before stays as it was.
 */
export async function applyRuleset(executor: Executor, text: string): Promise<LoadedRuleset> {
  await runNft(executor, ['-f', '-'], text, 'nft refused the ruleset');
  const loaded = await readLoadedRuleset(executor);
  const expected = rulesetFingerprint(text);
  if (loaded === null || (expected !== null && loaded.fingerprint !== expected)) {
    // Another process replacing the table at the same moment is the only way here; say so rather than guess.
    throw new NftError(`nft accepted the ruleset but the table read back is ${describe(loaded)}`, '');
  }
  return loaded;
}

/** Parses and evaluates `text` against the kernel (`nft -c`) without changing anything. */
export async function checkRuleset(executor: Executor, text: string): Promise<void> {
  await runNft(executor, ['-c', '-f', '-'], text, 'nft found the ruleset invalid');
}

/** What is loaded in `table inet burrow`; null when there is no such table. */
export async function readLoadedRuleset(executor: Executor): Promise<LoadedRuleset | null> {
  const json = await listTable(executor, ['-j']);
  if (json === null) {
    return null;
  }
  // nft 1.0.6 leaves table comments out of its JSON; the text listing has the fingerprint.
  const listing = await listTable(executor, []);
  const objects = normaliseListing(json);
  const digest = createHash('sha256').update(JSON.stringify(objects)).digest('hex');
  return { fingerprint: listing === null ? null : rulesetFingerprint(listing), objects, digest };
}

/**
 * Whether the loaded table is `expected`: a rendered text (same fingerprint), or the snapshot returned by
 * applyRuleset (same fingerprint and same content, so rules added or removed by hand since are noticed too).
 */
export async function isLoadedRulesetCurrent(
  executor: Executor,
  expected: string | LoadedRuleset,
): Promise<RulesetStatus> {
  const fingerprint = typeof expected === 'string' ? rulesetFingerprint(expected) : expected.fingerprint;
  if (fingerprint === null) {
    throw new TypeError('the expected ruleset has no fingerprint: it was not rendered by renderRuleset');
  }
  const loaded = await readLoadedRuleset(executor);
  if (loaded?.fingerprint !== fingerprint) {
    return { current: false, reason: `expected ${fingerprint}, but the loaded table is ${describe(loaded)}` };
  }
  if (typeof expected !== 'string' && loaded.digest !== expected.digest) {
    return {
      current: false,
      reason: `the loaded table has the expected fingerprint but was changed since it was applied`,
    };
  }
  return { current: true };
}

async function runNft(executor: Executor, args: string[], text: string, what: string): Promise<void> {
  try {
    await executor.run([NFT_PATH, ...args], { input: text, inputIsPublic: true, timeoutMs: NFT_TIMEOUT_MS });
  } catch (error) {
    if (error instanceof ExecError && error.failure === 'exit') {
      throw new NftError(`${what}: ${error.stderr}`, error.stderr, { cause: error });
    }
    throw error;
  }
}

/** `nft [flags] list table inet burrow`'s output, or null when the table does not exist. */
export async function listTable(executor: Executor, flags: string[]): Promise<string | null> {
  try {
    const { stdout } = await executor.run([NFT_PATH, ...flags, 'list', 'table', TABLE_FAMILY, TABLE_NAME], {
      timeoutMs: NFT_TIMEOUT_MS,
    });
    return stdout;
  } catch (error) {
    if (error instanceof ExecError && error.failure === 'exit' && /No such file or directory/.test(error.stderr)) {
      return null;
    }
    throw error;
  }
}

function normaliseListing(json: string): NftObject[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (error) {
    throw new NftError(`nft -j printed something that is not JSON: ${JSON.stringify(json.slice(0, 200))}`, '', {
      cause: error,
    });
  }
  const items = (parsed as { nftables?: unknown }).nftables;
  if (!Array.isArray(items)) {
    throw new NftError('nft -j printed JSON without an "nftables" array', '');
  }
  return items
    .filter((item): item is Record<string, unknown> => isRecord(item) && !('metainfo' in item))
    .map((item) => normalise(withoutDynamicElements(item)) as NftObject);
}

/** A counting set as declared, without the elements traffic added to it (the per-device byte counters). */
function withoutDynamicElements(item: Record<string, unknown>): Record<string, unknown> {
  const set = item['set'];
  if (!isRecord(set) || typeof set['name'] !== 'string' || !DYNAMIC_SETS.has(set['name'])) {
    return item;
  }
  const { elem: _elements, ...declared } = set;
  return { ...item, set: declared };
}

/** Drops what changes without the ruleset changing: handles (kernel-assigned) and counter values. */
function normalise(value: unknown, key?: string): unknown {
  if (Array.isArray(value)) {
    const items = value.map((item) => normalise(item));
    // The kernel lists set elements in its own (hash) order.
    return key === 'elem' ? items.sort((a, b) => compareText(JSON.stringify(a), JSON.stringify(b))) : items;
  }
  if (!isRecord(value)) {
    return value;
  }
  const result: Record<string, unknown> = {};
  for (const name of Object.keys(value).sort()) {
    if (name === 'handle') {
      continue;
    }
    const field = value[name];
    // An anonymous counter in a rule ({ packets, bytes }); named counter objects are kept.
    const isCounterValue = name === 'counter' && isRecord(field) && 'packets' in field && !('name' in field);
    result[name] = isCounterValue ? null : normalise(field, name);
  }
  return result;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function describe(loaded: LoadedRuleset | null): string {
  if (loaded === null) {
    return `missing (no table ${TABLE_FAMILY} ${TABLE_NAME})`;
  }
  return loaded.fingerprint ?? 'a table without a burrow fingerprint';
}
