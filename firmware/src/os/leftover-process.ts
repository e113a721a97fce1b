// Process groups and pid files for a supervised child. Each child leads its own process group, so signalling the
// group reaches anything it forked. A pid file names the running child, so that after burrowd itself died the next
// supervisor of the same argv can find the child left behind and end it before starting its own: two never fight
// over a port or a TUN.
import { readFile, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

const LEFTOVER_POLL_MS = 50;

/** Signals a process group; a group that is already gone is what we wanted anyway. */
export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') {
      throw error;
    }
  }
}

/**
 * Ends the process named in `pidFile` if it still runs exactly `argv`: SIGTERM to its group, SIGKILL after
 * `graceMs`. Throws, naming the child `name`, when it survives SIGKILL.
 */
export async function endLeftover(
  name: string,
  pidFile: string,
  argv: readonly string[],
  graceMs: number,
  log: (message: string) => void,
): Promise<void> {
  const pid = await readPid(pidFile);
  if (pid === null || !(await runsArgv(pid, argv))) {
    return;
  }
  log(`ending pid ${pid}, left running by an earlier supervisor`);
  signalGroup(pid, 'SIGTERM');
  if (!(await waitUntilGone(pid, argv, graceMs))) {
    signalGroup(pid, 'SIGKILL');
    if (!(await waitUntilGone(pid, argv, graceMs))) {
      throw new Error(`${name}: pid ${pid}, left by an earlier supervisor, survives SIGKILL`);
    }
  }
}

/** Records the running child's pid; a failure is logged, not thrown: the child runs anyway. */
export async function writePidFile(pidFile: string, pid: number, log: (message: string) => void): Promise<void> {
  try {
    await writeFile(pidFile, `${pid}\n`, { mode: 0o644 });
  } catch (error) {
    log(`cannot write the pid file ${pidFile}: ${(error as Error).message}`);
  }
}

async function readPid(pidFile: string): Promise<number | null> {
  try {
    const text = (await readFile(pidFile, 'utf8')).trim();
    return /^[1-9]\d{0,9}$/.test(text) ? Number(text) : null;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return null;
    }
    throw error;
  }
}

/** Whether `pid` runs exactly `argv`: a reused pid, or a zombie (its cmdline is empty), does not. */
async function runsArgv(pid: number, argv: readonly string[]): Promise<boolean> {
  let cmdline: string;
  try {
    cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8');
  } catch (error) {
    // ESRCH: it exited while we read.
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ESRCH') {
      return false;
    }
    throw error;
  }
  return cmdline === `${argv.join('\0')}\0`;
}

async function waitUntilGone(pid: number, argv: readonly string[], timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (await runsArgv(pid, argv)) {
    if (performance.now() > deadline) {
      return false;
    }
    await sleep(LEFTOVER_POLL_MS);
  }
  return true;
}
