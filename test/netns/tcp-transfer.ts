// Drives tcp-stream.js on both ends of a tunnel: a receiver in one namespace, a sender in the other,
// and returns what each end reports.
import { fileURLToPath } from 'node:url';
import { runInNamespace } from '../helpers/netns-exec.js';
import { type ManagedProcess } from '../helpers/netns-process.js';

const TOOL = fileURLToPath(new URL('./tcp-stream.js', import.meta.url));
const RECEIVER_PORT = 5601;
const LISTEN_TIMEOUT_MS = 10_000;

export interface StreamReport {
  readonly bytes: number;
  readonly sha256: string;
  readonly seconds: number;
}

export interface TransferResult {
  readonly sent: StreamReport;
  readonly received: StreamReport;
}

/** What starts the receiver: a NetnsLab (which stops it with the lab), or anything else that starts a process. */
export interface ProcessStarter {
  start(ns: string, argv: readonly string[]): ManagedProcess;
}

/** Streams `bytes` deterministic bytes from `fromNs` to `toAddress` (an address inside `toNs`). */
export async function transfer(
  lab: ProcessStarter,
  fromNs: string,
  toNs: string,
  toAddress: string,
  bytes: number,
  seed: string,
  timeoutMs: number,
): Promise<TransferResult> {
  const receiver = lab.start(toNs, [process.execPath, TOOL, 'receive', String(RECEIVER_PORT)]);
  await receiver.waitForOutput(/"event":"listening"/, LISTEN_TIMEOUT_MS);
  const { stdout } = await runInNamespace(
    fromNs,
    [process.execPath, TOOL, 'send', toAddress, String(RECEIVER_PORT), String(bytes), seed],
    { timeoutMs },
  );
  const sent = parseReport(stdout, 'sender');
  const done = await receiver.waitForOutput(/^\{"event":"done".*\}$/m, timeoutMs);
  return { sent, received: parseReport(done[0], 'receiver') };
}

function parseReport(output: string, who: string): StreamReport {
  const line = output.split('\n').find((candidate) => candidate.startsWith('{"event":"done"'));
  if (line === undefined) {
    throw new Error(`The ${who} printed no report:\n${output}`);
  }
  const report = JSON.parse(line) as Partial<StreamReport>;
  if (typeof report.bytes !== 'number' || typeof report.sha256 !== 'string' || typeof report.seconds !== 'number') {
    throw new Error(`The ${who} printed a malformed report: ${line}`);
  }
  return { bytes: report.bytes, sha256: report.sha256, seconds: report.seconds };
}
