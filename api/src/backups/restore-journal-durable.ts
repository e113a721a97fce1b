// The file-system steps of a restore, each durable before it returns: a rename is only known to survive a power
// cut once both directories it touched are fsynced, and a file's bytes once the file is.
import { chmod, lstat, open, readdir, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { isErrno } from '../repositories/errno.js';

/** Flushes a file's bytes, or a directory's entries, to the disk. */
export async function fsyncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Every file and directory under `root` (and `root` itself) fsynced, children before their directory. */
export async function fsyncTree(root: string): Promise<void> {
  if ((await lstat(root)).isDirectory()) {
    for (const entry of await readdir(root)) {
      await fsyncTree(join(root, entry));
    }
  }
  await fsyncPath(root);
}

/**
 * Directories 0700, files 0600 except `publicFiles` (relative paths) 0644: whatever modes the extraction left, the
 * restored keys are the API user's alone, and nothing restored is writable by others.
 */
export async function makeTreePrivate(root: string, publicFiles: readonly string[], relative = ''): Promise<void> {
  const path = join(root, relative);
  if ((await lstat(path)).isDirectory()) {
    await chmod(path, 0o700);
    for (const entry of await readdir(path)) {
      await makeTreePrivate(root, publicFiles, join(relative, entry));
    }
  } else {
    await chmod(path, publicFiles.includes(relative) ? 0o644 : 0o600);
  }
}

/** `rename(2)`, then both parent directories fsynced, so the move is on disk before the next step starts. */
export async function renameDurably(from: string, to: string): Promise<void> {
  await rename(from, to);
  await fsyncPath(dirname(to));
  if (dirname(from) !== dirname(to)) {
    await fsyncPath(dirname(from));
  }
}

/** Whether anything (a file, a directory, a dangling link) exists at `path`. */
export async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (error) {
    if (isErrno(error, 'ENOENT')) {
      return false;
    }
    throw error;
  }
}
