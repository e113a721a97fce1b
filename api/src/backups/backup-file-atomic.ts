// A file written by a stream, atomically: a power cut leaves the old file or none, never half of the new one.
// The content goes to a temporary file in the same directory (so the rename stays on one file system), is
// fsynced, renamed over the destination, and the directory is fsynced so the rename itself is on disk.
// firmware/src/os/atomic-file.ts does the same for content already in memory; a backup is streamed.
import { randomBytes } from 'node:crypto';
import { type FileHandle, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** The temporary name beside `destination`; a dot file, so directory listings of backups skip it. */
export function temporaryPathFor(destination: string): string {
  return join(dirname(destination), `.${basename(destination)}.${randomBytes(6).toString('hex')}.tmp`);
}

/** Runs `write` on a new temporary file and puts it in place when it resolves; on any failure removes it. */
export async function writeAtomically<T>(
  destination: string,
  write: (handle: FileHandle) => Promise<T>,
  mode = 0o600,
): Promise<T> {
  const temporary = temporaryPathFor(destination);
  const handle = await open(temporary, 'wx', mode);
  let result: T;
  try {
    try {
      result = await write(handle);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, destination);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  await syncDirectory(dirname(destination));
  return result;
}

export async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
