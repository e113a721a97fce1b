// A restore swaps the API's own items in the data dir for a backup's, so that a crash or a power cut at any instant
// leaves, after the next start, either the complete old configuration or the complete new one:
//
//   <dataDir>/restore/staged/        the new items, complete and fsynced                       stageRestore
//   <dataDir>/restore/journal.json   written atomically once staged/ is on disk: the commit    stageRestore
//   <dataDir>/restore/old/           the live items, moved aside                               applyStagedRestore
//
// Apply, at every start before the database opens:
//   1. No restore dir: nothing to do.
//   2. No journal: the restore was never committed, or it finished; the restore dir goes, the live items stay.
//   3. A journal: for each item in its order, live → old/, then staged → live. Each step first looks at what is
//      on disk, so a run after a crash picks up where the last one stopped and never repeats a move.
//   4. The journal is removed (the swap is done), then the restore dir.
//
// Only the API's own files move (RESTORED_ITEMS): burrowd's state, its leases and run files, and backups/ (the
// device key, the stored backups, among them the one taken before this restore) are never touched.
//
// A factory reset is the same journal with nothing staged in the items' places (stageWipe): every item of the API
// is moved aside, backups/ too (the stored backups and the device key that opens them), and only the reset's
// marker (FACTORY_RESET_MARKER: its id and time, no secret) is staged, for the new database's audit log. Nothing of
// the API's must stay for the box to boot: the next start finds no database (the migrations make a new one, and
// the page shows the setup wizard), no CA (a new one is made) and no device key (made at the first backup). What
// is not the API's stays, as with a restore: burrowd's files belong to burrowd, which replaces its saved state with
// the first one the new box sends it (no tunnels, the kill switch on).
import { writeFileAtomic } from '@burrow/firmware/os/atomic-file';
import { cp, lstat, mkdir, readFile, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { isErrno } from '../repositories/errno.js';
import { checkRestoreContent, type ItemKind } from './restore-journal-content.js';
import { exists, fsyncPath, fsyncTree, makeTreePrivate, renameDurably } from './restore-journal-durable.js';
import { decodeJournal, encodeJournal, JOURNAL_FORMAT, type JournalItem } from './restore-journal-record.js';

export { RestoreContentError } from './restore-journal-content.js';

/** The API's own items in the data dir that a restore replaces: the database and the certificates with their keys. */
export const RESTORED_ITEMS: readonly string[] = ['burrow.db', 'certs'];

const ITEM_KINDS = new Map<string, ItemKind>([
  ['burrow.db', 'file'],
  ['certs', 'directory'],
]);

/** Restored files others may read: the CA certificate alone, as certificate-file.repository.ts keeps it. */
const PUBLIC_FILES: readonly string[] = ['certs/ca.pem'];

/**
 * Moved aside with the database and never replaced: SQLite would replay the old database's write-ahead log into
 * the new file. Listed first, so the log leaves before the database it belongs to.
 */
const MOVED_ASIDE: readonly string[] = ['burrow.db-wal', 'burrow.db-shm'];

/** Written in the data dir by a factory reset, read and removed by the first start after it (FactoryResetRepository). */
export const FACTORY_RESET_MARKER = 'factory-reset.json';

/** Also the API's: the stored backups, their work in progress and the device key. Only a factory reset moves it. */
const WIPED_ITEMS: readonly string[] = [...RESTORED_ITEMS, 'backups'];

const JOURNAL_ITEMS: readonly JournalItem[] = [
  ...MOVED_ASIDE.map((name) => ({ name, staged: false })),
  ...RESTORED_ITEMS.map((name) => ({ name, staged: true })),
  // A reset's marker that was never recorded is not the restored configuration's to record.
  { name: FACTORY_RESET_MARKER, staged: false },
];

const WIPE_JOURNAL_ITEMS: readonly JournalItem[] = [
  ...MOVED_ASIDE.map((name) => ({ name, staged: false })),
  ...WIPED_ITEMS.map((name) => ({ name, staged: false })),
  { name: FACTORY_RESET_MARKER, staged: true },
];

const KNOWN_ITEMS: readonly string[] = [...MOVED_ASIDE, ...WIPED_ITEMS, FACTORY_RESET_MARKER];

/**
 * What a start found: nothing; staged content without a journal, removed; a restore applied, or one finished after a
 * crash; a factory reset applied, or one finished after a crash.
 */
export type RestoreOutcome = 'none' | 'discarded' | 'applied' | 'resumed' | 'reset' | 'reset-resumed';

/** What waits for the next start: a restore, a factory reset, or a journal that cannot be read (it blocks staging). */
export type StagedChange = 'restore' | 'factory-reset' | 'unreadable';

export interface RestoreOptions {
  /**
   * Called after each durable step, with its name (`staged`, `journal-written`, `aside burrow.db`, `in certs`, …).
   * For crash tests only: the hook kills the process there.
   */
  afterStep?: (step: string) => void | Promise<void>;
}

/** The restore dir is in a state no sequence of steps leads to; nothing was changed, and the start must stop. */
export class RestoreStateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RestoreStateError';
  }
}

interface RestorePaths {
  readonly dataDir: string;
  readonly root: string;
  readonly staged: string;
  readonly old: string;
  readonly journal: string;
}

function restorePaths(dataDir: string): RestorePaths {
  const root = join(dataDir, 'restore');
  return { dataDir, root, staged: join(root, 'staged'), old: join(root, 'old'), journal: join(root, 'journal.json') };
}

/**
 * Moves the extracted, verified content (a dir laid out like the data dir, holding exactly RESTORED_ITEMS) next
 * to the live data, fsyncs it, and commits it by writing the journal atomically. `extractedDir` is consumed (moved,
 * or copied and removed when it is on another file system). Throws RestoreContentError, changing nothing, for
 * content with a missing or unexpected item, a link or a special file. The live data is untouched until the next
 * start applies the restore.
 */
export async function stageRestore(dataDir: string, extractedDir: string, options: RestoreOptions = {}): Promise<void> {
  const step = options.afterStep ?? (() => undefined);
  const paths = restorePaths(dataDir);
  await checkRestoreContent(extractedDir, ITEM_KINDS);
  if ((await readJournal(paths)) !== 'absent') {
    throw new RestoreStateError('a restore is already staged; it is applied when the API starts next');
  }
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  await discard(paths);
  await mkdir(paths.root, { mode: 0o700 });
  await moveOrCopy(extractedDir, paths.staged);
  await makeTreePrivate(paths.staged, PUBLIC_FILES);
  await step('staged');
  await fsyncTree(paths.staged);
  await fsyncPath(paths.root);
  await fsyncPath(dataDir);
  await step('staged-synced');
  await writeFileAtomic(paths.journal, encodeJournal({ format: JOURNAL_FORMAT, items: JOURNAL_ITEMS }), {
    mode: 0o600,
  });
  await step('journal-written');
}

/**
 * Stages a factory reset: the marker's text (no secret in it) alone is staged, and the journal commits the wipe of
 * every item of the API. Throws RestoreStateError, changing nothing, when a restore or reset is already staged. The
 * live data is untouched until the next start applies it.
 */
export async function stageWipe(dataDir: string, markerText: string, options: RestoreOptions = {}): Promise<void> {
  const step = options.afterStep ?? (() => undefined);
  const paths = restorePaths(dataDir);
  if ((await readJournal(paths)) !== 'absent') {
    throw new RestoreStateError('a restore or reset is already staged; it is applied when the API starts next');
  }
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  await discard(paths);
  await mkdir(paths.root, { mode: 0o700 });
  await mkdir(paths.staged, { mode: 0o700 });
  await writeFileAtomic(join(paths.staged, FACTORY_RESET_MARKER), markerText, { mode: 0o600 });
  await step('staged');
  await fsyncTree(paths.staged);
  await fsyncPath(paths.root);
  await fsyncPath(dataDir);
  await step('staged-synced');
  await writeFileAtomic(paths.journal, encodeJournal({ format: JOURNAL_FORMAT, items: WIPE_JOURNAL_ITEMS }), {
    mode: 0o600,
  });
  await step('journal-written');
}

/** Whether a restore or a factory reset is committed and waits for the next start, and which. */
export async function stagedChange(dataDir: string): Promise<StagedChange | null> {
  const journal = await readJournal(restorePaths(dataDir));
  if (journal === 'absent') {
    return null;
  }
  if (journal === 'damaged') {
    return 'unreadable';
  }
  return isWipe(journal.items) ? 'factory-reset' : 'restore';
}

/** At start, before the database opens: finishes a staged restore (rolling forward after a crash) or does nothing. */
export async function applyStagedRestore(dataDir: string, options: RestoreOptions = {}): Promise<RestoreOutcome> {
  const step = options.afterStep ?? (() => undefined);
  const paths = restorePaths(dataDir);
  if (!(await isDirectory(paths.root))) {
    return 'none';
  }
  const journal = await readJournal(paths);
  if (journal === 'absent' || journal === 'damaged') {
    await discard(paths);
    return 'discarded';
  }
  const resumed = await exists(paths.old);
  if (!resumed) {
    await mkdir(paths.old, { mode: 0o700 });
    await fsyncPath(paths.root);
    await step('old-made');
  }
  for (const item of journal.items) {
    await swapItem(paths, item, step);
  }
  await rm(paths.journal);
  await fsyncPath(paths.root);
  await step('journal-removed');
  await rm(paths.root, { recursive: true });
  await fsyncPath(dataDir);
  await step('cleaned');
  if (isWipe(journal.items)) {
    return resumed ? 'reset-resumed' : 'reset';
  }
  return resumed ? 'resumed' : 'applied';
}

/** A factory reset's journal is the one that stages its marker. */
function isWipe(items: readonly JournalItem[]): boolean {
  return items.some((item) => item.name === FACTORY_RESET_MARKER && item.staged);
}

/** live → old/, then staged → live; each half skipped when an earlier run already did it. */
async function swapItem(paths: RestorePaths, item: JournalItem, step: (name: string) => void | Promise<void>) {
  const live = join(paths.dataDir, item.name);
  const aside = join(paths.old, item.name);
  const staged = join(paths.staged, item.name);
  if (item.staged && !(await exists(staged))) {
    // Staging put every staged item there, so it is already live.
    return;
  }
  if (await exists(live)) {
    if (await exists(aside)) {
      throw new RestoreStateError(`both ${live} and ${aside} exist; a restore cannot tell which one is the old one`);
    }
    await renameDurably(live, aside);
    await step(`aside ${item.name}`);
  }
  if (item.staged) {
    await renameDurably(staged, live);
    await step(`in ${item.name}`);
  }
}

/**
 * Removes an uncommitted (or finished) restore dir. A journal that is there but unreadable cannot come from the
 * atomic write, so it was torn or damaged on disk: harmless before anything moved, but once old/ holds items no one
 * can tell which configuration is whole, and the start stops rather than guess.
 */
async function discard(paths: RestorePaths): Promise<void> {
  if (!(await exists(paths.root))) {
    return;
  }
  if ((await readJournal(paths)) === 'damaged' && (await exists(paths.old)) && (await readdir(paths.old)).length > 0) {
    throw new RestoreStateError(
      `${paths.journal} is damaged and ${paths.old} holds moved items: the data dir needs a person to look at it`,
    );
  }
  await rm(paths.root, { recursive: true, force: true });
  await fsyncPath(paths.dataDir);
}

async function readJournal(paths: RestorePaths) {
  let text: string;
  try {
    text = await readFile(paths.journal, 'utf8');
  } catch (error) {
    if (isErrno(error, 'ENOENT', 'ENOTDIR')) {
      return 'absent';
    }
    throw error;
  }
  return decodeJournal(text, KNOWN_ITEMS) ?? 'damaged';
}

async function moveOrCopy(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (error) {
    if (!isErrno(error, 'EXDEV')) {
      throw error;
    }
    await cp(from, to, { recursive: true, errorOnExist: true, force: false, preserveTimestamps: true });
    await rm(from, { recursive: true, force: true });
  }
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await lstat(path)).isDirectory();
  } catch (error) {
    if (isErrno(error, 'ENOENT', 'ENOTDIR')) {
      return false;
    }
    throw error;
  }
}
