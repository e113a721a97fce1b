// The journal of a staged restore: the list of items to swap, and for each whether a new copy was staged. Its
// atomic appearance is the commit point of a restore; its removal marks the swap finished. A checksum over the
// content lets a torn or damaged journal be told from a real one (it is then treated as absent).
import { createHash } from 'node:crypto';

export const JOURNAL_FORMAT = 1;

export interface JournalItem {
  /** The item's name in the data dir, e.g. `burrow.db` or `certs`. */
  readonly name: string;
  /** True: `staged/<name>` replaces it. False: the live item is only moved aside (the database's -wal and -shm). */
  readonly staged: boolean;
}

export interface RestoreJournal {
  readonly format: typeof JOURNAL_FORMAT;
  readonly items: readonly JournalItem[];
}

export function encodeJournal(journal: RestoreJournal): string {
  const body = JSON.stringify({ format: journal.format, items: journal.items });
  return `${JSON.stringify({ body, sha256: sha256(body) })}\n`;
}

/** The journal in `text`, or undefined when it is torn, damaged, of another format or names an unknown item. */
export function decodeJournal(text: string, knownItems: readonly string[]): RestoreJournal | undefined {
  const outer = parseJson(text);
  if (!isRecord(outer) || typeof outer.body !== 'string' || outer.sha256 !== sha256(outer.body)) {
    return undefined;
  }
  const body = parseJson(outer.body);
  if (!isRecord(body) || body.format !== JOURNAL_FORMAT || !Array.isArray(body.items)) {
    return undefined;
  }
  const items: JournalItem[] = [];
  for (const item of body.items as unknown[]) {
    if (
      !isRecord(item) ||
      typeof item.name !== 'string' ||
      typeof item.staged !== 'boolean' ||
      !knownItems.includes(item.name) ||
      items.some((seen) => seen.name === item.name)
    ) {
      return undefined;
    }
    items.push({ name: item.name, staged: item.staged });
  }
  return { format: JOURNAL_FORMAT, items };
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
