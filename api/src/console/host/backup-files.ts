// The .burrowbackup files on a mounted stick: a bounded walk that never follows a link, so a link on the stick
// cannot point the console at a file elsewhere on the router.
import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';
import { type BackupFileChoice } from '../backend.js';

export const BACKUP_FILE_SUFFIX = '.burrowbackup';
/** The stick's root and the folders up to this many levels below it. */
const MAX_DEPTH = 2;
/** A stick full of photos is walked no further than this many entries. */
const MAX_ENTRIES = 10_000;

/** Backup files under `root`, newest first; names are relative to `root`. */
export async function findBackupFiles(root: string): Promise<BackupFileChoice[]> {
  const found: { name: string; sizeBytes: number; modified: number }[] = [];
  let seen = 0;
  const walk = async (dir: string, depth: number): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      if (++seen > MAX_ENTRIES) {
        return;
      }
      const full = path.join(dir, entry.name);
      // Dirent types come from lstat: a symbolic link is neither a file nor a directory here, and is skipped.
      if (entry.isDirectory() && depth < MAX_DEPTH) {
        await walk(full, depth + 1);
      } else if (entry.isFile() && entry.name.toLowerCase().endsWith(BACKUP_FILE_SUFFIX)) {
        const stats = await lstat(full);
        found.push({ name: path.relative(root, full), sizeBytes: stats.size, modified: stats.mtimeMs });
      }
    }
  };
  await walk(root, 0);
  return found.sort((a, b) => b.modified - a.modified).map(({ name, sizeBytes }) => ({ name, sizeBytes }));
}
