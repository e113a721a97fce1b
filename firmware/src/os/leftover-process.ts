// Process groups and pid files for a supervised child. Each child leads its own process group, so signalling the
// group reaches anything it forked. A pid file names the running child, so that after burrowd itself died the next
// supervisor of the same argv can find the child left behind and end it before starting its own: two never fight
// over a port or a TUN. A leftover counts as gone only once it closed its files (the TUN, the sockets): its cmdline
// empties earlier, while it still exits.
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
  const startTime = pid === null ? null : await processStartTime(pid);
  if (pid === null || startTime === null || !(await runsArgv(pid, argv))) {
    return;
  }
  log(`ending pid ${pid}, left running by an earlier supervisor`);
  signalGroup(pid, 'SIGTERM');
  if (!(await waitUntilGone(pid, startTime, graceMs))) {
    signalGroup(pid, 'SIGKILL');
    if (!(await waitUntilGone(pid, startTime, graceMs))) {
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

/**
 * Whether the process that started at `startTime` as `pid` is gone: reaped, its pid reused, or a zombie. A zombie
 * has closed its files: the kernel closes them (and with its TUN's last file removes the interface) before it
 * marks the process a zombie.
 */
async function isGone(pid: number, startTime: string): Promise<boolean> {
  const stat = await readStat(pid);
  return stat === null || stat.startTime !== startTime || stat.state === 'Z' || stat.state === 'X';
}

/** The process's start time (in clock ticks since boot): with the pid, it names one process; null when none runs. */
async function processStartTime(pid: number): Promise<string | null> {
  return (await readStat(pid))?.startTime ?? null;
}

/** The state letter and start time from /proc/PID/stat; null when no such process exists. */
async function readStat(pid: number): Promise<{ state: string; startTime: string } | null> {
  let text: string;
  try {
    text = await readFile(`/proc/${pid}/stat`, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ESRCH') {
      return null;
    }
    throw error;
  }
  // "PID (COMM) STATE PPID …": COMM may hold spaces and parentheses, so the fields start after the last ')'.
  // After it, field 3 (the state) comes first and field 22 (the start time) 20th.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0] ?? '', startTime: fields[19] ?? '' };
}

async function waitUntilGone(pid: number, startTime: string, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!(await isGone(pid, startTime))) {
    if (performance.now() > deadline) {
      return false;
    }
    await sleep(LEFTOVER_POLL_MS);
  }
  return true;
}
