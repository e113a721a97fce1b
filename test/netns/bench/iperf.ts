// iperf3 TCP throughput through a tunnel: a server in one namespace, a JSON-reporting client in the
// other, and the CPU time the WireGuard daemon on our side used meanwhile.
import { readFile } from 'node:fs/promises';
import { runInNamespace } from '../../helpers/netns-exec.js';
import { type NetnsLab } from '../../helpers/netns.js';

const IPERF_PORT = 5201;
const SERVER_START_TIMEOUT_MS = 10_000;
/** Kernel clock ticks per second for /proc/PID/stat times; 100 on every Linux port we ship for. */
const CLOCK_TICKS_PER_SECOND = 100;

export interface Throughput {
  readonly mbitPerSecond: number;
  readonly retransmits: number;
  /** CPU time of the watched daemon over the run, as a percentage of one core. */
  readonly daemonCpuPercent: number;
}

/** Starts an iperf3 server in `ns` that serves until the lab closes. */
export async function startIperfServer(lab: NetnsLab, ns: string, bindAddress: string): Promise<void> {
  const server = lab.start(ns, [
    'iperf3',
    '--server',
    '--bind',
    bindAddress,
    '--port',
    String(IPERF_PORT),
    '--forceflush',
  ]);
  await server.waitForOutput(/Server listening/, SERVER_START_TIMEOUT_MS);
}

/**
 * Runs the client in `clientNs` against `serverAddress` for `seconds`; `reverse` makes the server
 * send. Measures the receiving side's rate and the CPU that `daemonPid` used meanwhile.
 */
export async function measureThroughput(
  clientNs: string,
  serverAddress: string,
  seconds: number,
  reverse: boolean,
  daemonPid: number,
): Promise<Throughput> {
  const argv = ['iperf3', '--client', serverAddress, '--port', String(IPERF_PORT), '--time', String(seconds), '--json'];
  if (reverse) {
    argv.push('--reverse');
  }
  const cpuBefore = await cpuSeconds(daemonPid);
  const started = performance.now();
  const { stdout } = await runInNamespace(clientNs, argv, { timeoutMs: (seconds + 20) * 1000 });
  const wallSeconds = (performance.now() - started) / 1000;
  const cpuUsed = (await cpuSeconds(daemonPid)) - cpuBefore;

  const report = JSON.parse(stdout) as IperfReport;
  if (report.error !== undefined) {
    throw new Error(`iperf3 failed: ${report.error}`);
  }
  const received = report.end?.sum_received?.bits_per_second;
  if (typeof received !== 'number') {
    throw new Error('iperf3 printed no end.sum_received.bits_per_second');
  }
  return {
    mbitPerSecond: received / 1e6,
    retransmits: report.end?.sum_sent?.retransmits ?? 0,
    daemonCpuPercent: (100 * cpuUsed) / wallSeconds,
  };
}

interface IperfReport {
  error?: string;
  end?: {
    sum_received?: { bits_per_second?: number };
    sum_sent?: { retransmits?: number };
  };
}

/** User + system CPU seconds of a process (fields 14 and 15 of /proc/PID/stat). */
async function cpuSeconds(pid: number): Promise<number> {
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
