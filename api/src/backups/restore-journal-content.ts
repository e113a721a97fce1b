// What a restore may put into the data dir: exactly the API's own items, as plain files and directories. Checked
// before anything moves, so refused content changes nothing; a link could point anywhere, so none is accepted.
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** Thrown for extracted content that is not exactly a restorable configuration; nothing was changed. */
export class RestoreContentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RestoreContentError';
  }
}

/** The shape each restored item must have at the top of the extracted dir. */
export type ItemKind = 'file' | 'directory';

/** Throws unless `extractedDir` holds exactly `items`, each of its kind, with only plain files and directories below. */
export async function checkRestoreContent(extractedDir: string, items: ReadonlyMap<string, ItemKind>): Promise<void> {
  if (!(await lstat(extractedDir)).isDirectory()) {
    throw new RestoreContentError('the restored content is not a directory');
  }
  const present = (await readdir(extractedDir)).sort();
  const unexpected = present.filter((name) => !items.has(name));
  if (unexpected.length > 0) {
    throw new RestoreContentError(`the restored content holds unexpected items: ${unexpected.map(show).join(', ')}`);
  }
  for (const [name, kind] of items) {
    if (!present.includes(name)) {
      throw new RestoreContentError(`the restored content lacks ${show(name)}`);
    }
    await checkEntry(extractedDir, name, kind);
  }
}

async function checkEntry(root: string, relative: string, kind: ItemKind | 'any'): Promise<void> {
  const stats = await lstat(join(root, relative));
  if (stats.isSymbolicLink()) {
    throw new RestoreContentError(`the restored content holds a link, which could point outside: ${show(relative)}`);
  }
  if (stats.isFile() && kind !== 'directory') {
    return;
  }
  if (stats.isDirectory() && kind !== 'file') {
    for (const child of await readdir(join(root, relative))) {
      await checkEntry(root, join(relative, child), 'any');
    }
    return;
  }
  throw new RestoreContentError(
    `the restored content has ${show(relative)} as ${describe(stats)}, where ${kind === 'any' ? 'a file or directory' : `a ${kind}`} belongs`,
  );
}

function describe(stats: Awaited<ReturnType<typeof lstat>>): string {
  return stats.isFile() ? 'a file' : stats.isDirectory() ? 'a directory' : 'a special file';
}

/** A name as JSON, so control characters in a hostile name cannot forge log lines. */
function show(name: string): string {
  return JSON.stringify(name);
}
