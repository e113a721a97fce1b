// What a WireGuard daemon costs, from /proc: CPU time (all its threads) and its peak resident set size, counted
// over the process and every process it started (an engine that moves crypto into a helper process still pays
// for it).
import { readdir, readFile } from 'node:fs/promises';

/** Kernel clock ticks per second for /proc/PID/stat times; 100 on every Linux port we ship for. */
const CLOCK_TICKS_PER_SECOND = 100;

/** User + system CPU seconds of a process tree, all threads. */
export async function cpuSeconds(pid: number): Promise<number> {
  let total = 0;
  for (const member of await processTree(pid)) {
    total += await processCpuSeconds(member);
  }
  return total;
}

/** The sum of the peak resident set sizes, in bytes, of a process tree's members (VmHWM). */
export async function peakRssBytes(pid: number): Promise<number> {
  let total = 0;
  for (const member of await processTree(pid)) {
    total += await processPeakRssBytes(member);
  }
  return total;
}

/** `pid` and its descendants now running, from /proc/PID/task/TID/children. */
async function processTree(pid: number): Promise<number[]> {
  const tree: number[] = [];
  const pending = [pid];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    tree.push(next);
    let threads: string[];
    try {
      threads = await readdir(`/proc/${next}/task`);
    } catch {
      continue;
    }
    for (const thread of threads) {
      const children = await readFile(`/proc/${next}/task/${thread}/children`, 'utf8').catch(() => '');
      pending.push(
        ...children
          .split(' ')
          .filter((word) => word !== '')
          .map(Number),
      );
    }
  }
  return tree;
}

/** User + system CPU seconds of one process and all its threads (fields 14 and 15 of /proc/PID/stat). */
async function processCpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces; the fields after its closing parenthesis do not.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const userTicks = Number(fields[11]);
  const systemTicks = Number(fields[12]);
  if (!Number.isFinite(userTicks) || !Number.isFinite(systemTicks)) {
    throw new Error(`Unreadable /proc/${pid}/stat`);
  }
  return (userTicks + systemTicks) / CLOCK_TICKS_PER_SECOND;
}

/** Peak resident set size in bytes since the process started (VmHWM of /proc/PID/status). */
async function processPeakRssBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = /^VmHWM:\s+(\d+) kB$/m.exec(status)?.[1];
  if (kib === undefined) {
    throw new Error(`No VmHWM in /proc/${pid}/status`);
  }
  return Number(kib) * 1024;
}
