// The device key: 32 random bytes on the data partition that open this box's own backups without the passphrase
// (same-box rollback). It never goes into a backup, so a backup copied elsewhere needs the passphrase.
import { writeFileAtomic } from '@burrow/firmware/os/atomic-file';
import { createHash, randomBytes } from 'node:crypto';
import { chmod, link, mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { isErrno } from '../repositories/errno.js';
import { syncDirectory } from './backup-file-atomic.js';

export const DEVICE_KEY_BYTES = 32;

/** `<dataDir>/backups/device.key`: the raw 32 bytes, mode 0600, in a 0700 directory. */
export function deviceKeyPath(dataDir: string): string {
  return join(dataDir, 'backups', 'device.key');
}

/**
 * Reads the device key, creating it on first use. A key file of the wrong length is an error, never replaced:
 * replacing it would silently make every earlier backup unopenable on this box.
 */
export async function loadOrCreateDeviceKey(dataDir: string): Promise<Buffer> {
  const file = deviceKeyPath(dataDir);
  const existing = await readDeviceKey(file);
  if (existing !== undefined) {
    return existing;
  }
  const directory = join(dataDir, 'backups');
  await mkdir(directory, { recursive: true, mode: 0o700 });
  // Written in full under another name, then linked into place: link() fails if another start made the key
  // first, and then that key wins, so two starts never end up with two keys.
  const temporary = join(directory, `.device.key.${randomBytes(6).toString('hex')}.tmp`);
  await writeFileAtomic(temporary, randomBytes(DEVICE_KEY_BYTES), { mode: 0o600 });
  try {
    await link(temporary, file);
  } catch (error) {
    if (!isErrno(error, 'EEXIST')) {
      throw error;
    }
  } finally {
    await rm(temporary, { force: true });
  }
  await syncDirectory(directory);
  const created = await readDeviceKey(file);
  if (created === undefined) {
    throw new Error(`${file} vanished right after it was created`);
  }
  return created;
}

/** A short public name for a device key: the first 8 bytes of its SHA-256, in hex (16 characters). */
export function deviceKeyId(key: Buffer): string {
  return createHash('sha256').update(key).digest().subarray(0, 8).toString('hex');
}

async function readDeviceKey(file: string): Promise<Buffer | undefined> {
  let key: Buffer;
  try {
    key = await readFile(file);
  } catch (error) {
    if (isErrno(error, 'ENOENT')) {
      return undefined;
    }
    throw error;
  }
  if (key.length !== DEVICE_KEY_BYTES) {
    throw new Error(`${file} is damaged: a device key is ${DEVICE_KEY_BYTES} bytes, this one ${key.length}`);
  }
  // The umask or a copy may have widened it; the key is the API user's alone.
  await chmod(file, 0o600);
  return key;
}
