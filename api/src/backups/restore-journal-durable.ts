// The file-system steps of a restore, each durable before it returns: a rename is only known to survive a power
// cut once both directories it touched are fsynced, and a file's bytes once the file is.
import { lstat, open, readdir, rename } from 'node:fs/promises';
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
