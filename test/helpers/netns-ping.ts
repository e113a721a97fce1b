// ICMP echo from inside a namespace with iputils' ping, parsed into counts and round-trip times.
import { runInNamespace } from './netns-exec.js';

export interface PingOptions {
  /** Replies wanted; ping stops as soon as it has them. */
  readonly count: number;
  /** Seconds between echo requests (below 0.2 needs root, which these tests have). */
  readonly intervalSeconds?: number;
  /** Hard limit in seconds: ping gives up then, however many replies it has. */
  readonly deadlineSeconds: number;
  /** ICMP payload bytes. */
  readonly payloadBytes?: number;
}

export interface PingResult {
  readonly transmitted: number;
  readonly received: number;
  /** Present when at least one reply came back. */
  readonly rtt?: { readonly minMs: number; readonly avgMs: number; readonly maxMs: number; readonly mdevMs: number };
  /** ping's own output, for assertion messages. */
  readonly output: string;
}

const STATISTICS_PATTERN = /(\d+) packets transmitted, (\d+) received/;
const RTT_PATTERN = /= ([\d.]+)\/([\d.]+)\/([\d.]+)\/([\d.]+) ms/;

/**
 * Pings `target` from `ns` until `count` replies or the deadline. Early losses while a handshake
 * completes are tolerated; a result with fewer replies than asked for is returned, not thrown.
 */
export async function ping(ns: string, target: string, options: PingOptions): Promise<PingResult> {
  const argv = [
    'ping',
    '-n',
    '-q',
    '-c',
    String(options.count),
    '-i',
    String(options.intervalSeconds ?? 0.2),
    '-w',
    String(options.deadlineSeconds),
  ];
  if (options.payloadBytes !== undefined) {
    argv.push('-s', String(options.payloadBytes));
  }
  argv.push(target);
  const { stdout, stderr } = await runInNamespace(ns, argv, {
    check: false,
    timeoutMs: (options.deadlineSeconds + 5) * 1000,
  });
  const output = `${stdout}${stderr}`;
  const statistics = STATISTICS_PATTERN.exec(stdout);
  const rtt = RTT_PATTERN.exec(stdout);
  return {
    transmitted: Number(statistics?.[1] ?? 0),
    received: Number(statistics?.[2] ?? 0),
    ...(rtt
      ? { rtt: { minMs: Number(rtt[1]), avgMs: Number(rtt[2]), maxMs: Number(rtt[3]), mdevMs: Number(rtt[4]) } }
      : {}),
    output,
  };
}
