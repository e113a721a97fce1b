// The running API, as the console sees it: the process named by `<dataDir>/api.pid` (server/api-pid-file.ts), if it
// still runs. SIGHUP has it restart in-process, which applies a staged restore and reloads certificates and settings.
import { readFile } from 'node:fs/promises';
import { readApiPid } from '../../server/api-pid-file.js';
import { isErrno } from '../../repositories/errno.js';

/** The API's process id when it runs, else null (no record, a stale one, or another program under that id). */
export async function runningApiPid(dataDir: string): Promise<number | null> {
  const pid = await readApiPid(dataDir);
  if (pid === null) {
    return null;
  }
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it runs, as a user this process may not signal; the caller's SIGHUP will say so.
    if (!isErrno(error, 'EPERM')) {
      return null;
    }
  }
  // After a power cut the id may belong to any program now: only a Node process counts.
  const command = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  return command.split('\0').some((part) => /(?:^|\/)node$|burrow/.test(part)) ? pid : null;
}

/** Asks the running API to restart and pick up what changed; false when no API runs. */
export async function restartRunningApi(dataDir: string): Promise<boolean> {
  const pid = await runningApiPid(dataDir);
  if (pid === null) {
    return false;
  }
  process.kill(pid, 'SIGHUP');
  return true;
}
