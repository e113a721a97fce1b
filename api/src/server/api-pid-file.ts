// How the recovery console finds the running API to have it pick up what the console changed (a staged restore or
// factory reset, a new certificate): `<dataDir>/api.pid` holds the API's process id while it listens, and SIGHUP
// restarts the API in-process (ApiServer.restart), which applies a staged restore and reloads everything it holds
// in memory. On the device systemd's `reload` sends the same signal.
import { writeFileAtomic } from '@burrow/firmware/os/atomic-file';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { isErrno } from '../repositories/errno.js';

export const API_PID_FILE = 'api.pid';

export async function writeApiPidFile(dataDir: string, pid: number = process.pid): Promise<void> {
  await writeFileAtomic(join(dataDir, API_PID_FILE), `${pid}\n`);
}

/** Removes the file only while it still names this process (a newer API may have replaced it). */
export async function removeApiPidFile(dataDir: string, pid: number = process.pid): Promise<void> {
  if ((await readApiPid(dataDir)) === pid) {
    await rm(join(dataDir, API_PID_FILE), { force: true });
  }
}

/** The recorded process id, or null when there is none or it is not a number. */
export async function readApiPid(dataDir: string): Promise<number | null> {
  try {
    const pid = Number.parseInt((await readFile(join(dataDir, API_PID_FILE), 'utf8')).trim(), 10);
    return Number.isSafeInteger(pid) && pid > 1 ? pid : null;
  } catch (error) {
    if (isErrno(error, 'ENOENT', 'ENOTDIR')) {
      return null;
    }
    throw error;
  }
}
