// iperf3 through a tunnel: a server in one namespace, a JSON-reporting client in the other. TCP (one or several
// streams, either direction) for throughput; UDP with small datagrams and no rate limit for packets per second.
import { runInNamespace } from '../../helpers/netns-exec.js';
import { type NetnsLab } from '../../helpers/netns.js';

const IPERF_PORT = 5201;
const SERVER_START_TIMEOUT_MS = 10_000;
/** iperf3's own start-up and the final exchange of results, on top of the measured seconds. */
const CLIENT_SLACK_MS = 20_000;

export interface TcpRun {
  readonly mbitPerSecond: number;
  /** Payload bytes the receiver got. */
  readonly bytes: number;
  readonly retransmits: number;
}

export interface UdpRun {
  /** Datagrams per second that arrived through the tunnel. */
  readonly packetsPerSecond: number;
  readonly lostPercent: number;
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

/** TCP from the client in `clientNs` to `serverAddress` (`reverse`: the server sends), `streams` in parallel. */
export async function runTcp(
  clientNs: string,
  serverAddress: string,
  options: { seconds: number; reverse: boolean; streams: number },
): Promise<TcpRun> {
  const argv = clientArgv(serverAddress, options.seconds);
  argv.push('--parallel', String(options.streams));
  if (options.reverse) {
    argv.push('--reverse');
  }
  const report = await runClient(clientNs, argv, options.seconds);
  const received = report.end?.sum_received;
  if (typeof received?.bits_per_second !== 'number' || typeof received.bytes !== 'number') {
    throw new Error('iperf3 printed no end.sum_received');
  }
  return {
    mbitPerSecond: received.bits_per_second / 1e6,
    bytes: received.bytes,
    retransmits: report.end?.sum_sent?.retransmits ?? 0,
  };
}

/** UDP datagrams of `payloadBytes` as fast as the client can send them (`-b 0`), client → server. */
export async function runUdpFlood(
  clientNs: string,
  serverAddress: string,
  options: { seconds: number; payloadBytes: number },
): Promise<UdpRun> {
  const argv = clientArgv(serverAddress, options.seconds);
  argv.push('--udp', '--length', String(options.payloadBytes), '--bitrate', '0');
  const report = await runClient(clientNs, argv, options.seconds);
  const received = report.end?.sum_received;
  if (typeof received?.bytes !== 'number' || typeof received.seconds !== 'number' || received.seconds <= 0) {
    throw new Error('iperf3 printed no end.sum_received');
  }
  // Bytes over payload size: iperf3's own "packets" count on the receiving side includes the lost ones.
  return {
    packetsPerSecond: received.bytes / options.payloadBytes / received.seconds,
    lostPercent: received.lost_percent ?? 0,
  };
}

function clientArgv(serverAddress: string, seconds: number): string[] {
  return ['iperf3', '--client', serverAddress, '--port', String(IPERF_PORT), '--time', String(seconds), '--json'];
}

/**
 * One iperf3 run; once more after a second if the server was not listening yet (it reopens its socket after each
 * test, and after a slow pair's test that can take a moment).
 */
async function runClient(clientNs: string, argv: readonly string[], seconds: number): Promise<IperfReport> {
  try {
    return await runClientOnce(clientNs, argv, seconds);
  } catch (error) {
    if (!/Connection refused|server is busy/.test((error as Error).message)) {
      throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
    return runClientOnce(clientNs, argv, seconds);
  }
}

async function runClientOnce(clientNs: string, argv: readonly string[], seconds: number): Promise<IperfReport> {
  const { stdout } = await runInNamespace(clientNs, argv, {
    timeoutMs: seconds * 1000 + CLIENT_SLACK_MS,
    check: false,
  });
  let report: IperfReport;
  try {
    report = JSON.parse(stdout) as IperfReport;
  } catch {
    throw new Error(`iperf3 printed no JSON: ${stdout.slice(0, 200)}`);
  }
  if (report.error !== undefined) {
    throw new Error(`iperf3 failed: ${report.error}`);
  }
  return report;
}

interface IperfSum {
  bits_per_second?: number;
  bytes?: number;
  seconds?: number;
  retransmits?: number;
  lost_percent?: number;
}

interface IperfReport {
  error?: string;
  end?: { sum_received?: IperfSum; sum_sent?: IperfSum };
}
