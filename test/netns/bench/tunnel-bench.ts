// `make bench`: burrow against Debian's two wireguard-go packages, side by side in one run, in pairs of network
// namespaces joined by veth: ours ↔ ours, each reference ↔ itself, ours ↔ each reference. Per pair and round:
// iperf3 TCP each way (one stream, then four), UDP packets per second with 64-byte datagrams, ping RTT idle and
// under load; per daemon: CPU seconds per GB and peak RSS. Then a ChaCha20-Poly1305 micro-benchmark. Prints the
// tables and writes docs/performance.md and docs/performance.svg. Figures only: nothing passes or fails on a
// number. Needs root.
//
//   node test/dist/netns/bench/tunnel-bench.js [--rounds N] [--seconds N] [--pings N] [--no-docs] [--profile]
//
// --profile runs only ours ↔ ours and the reference, with burrow-wg under --cpu-prof, prints where its CPU went
// (cpu-profile.ts) and writes no docs.
//
// Flow:
//   1. Check the programs; fetch wireguard-go 0.0.20231211 into build/bench-cache/ if missing.
//   2. Set up every pair, each in its own lab, with an iperf3 server on the remote side.
//   3. Rounds: every pair in turn, each measurement once (so load changes spread over all pairs).
//   4. Read each daemon's peak RSS, close the labs.
//   5. AEAD micro-benchmark.
//   6. Medians, tables, report.
import { mkdir, mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';

import { findMissingPrograms } from '../../helpers/netns-exec.js';
import { ping } from '../../helpers/netns-ping.js';
import { NetnsLab } from '../../helpers/netns.js';
import { createTunnelPair, type TunnelPair } from '../../helpers/wg-pair.js';
import {
  implementationLabel,
  implementationUnavailableReason,
  BURROW_NODE_FLAGS_VARIABLE,
  type WgImplementationKind,
  type WgPeer,
} from '../../helpers/wg-peer.js';
import { summarizeProfiles } from './cpu-profile.js';
import { measureAeads } from './aead-bench.js';
import {
  type BenchSettings,
  CHART_PATH,
  loadAverage,
  REPORT_PATH,
  runConditions,
  writeReport,
} from './bench-report.js';
import {
  aeadTable,
  costTable,
  type DaemonCost,
  type PairResult,
  renderText,
  type RoundFigures,
  summarize,
  throughputTable,
} from './bench-table.js';
import { runTcp, runUdpFlood, startIperfServer } from './iperf.js';
import { cpuSeconds, peakRssBytes } from './process-stats.js';

interface PairSpec {
  readonly local: WgImplementationKind;
  readonly remote: WgImplementationKind;
}

/** The pair every ratio is taken against. */
const REFERENCE_PAIR: PairSpec = { local: 'wireguard-go-20231211', remote: 'wireguard-go-20231211' };
const PAIRS: readonly PairSpec[] = [
  { local: 'burrow', remote: 'burrow' },
  { local: 'wireguard-go', remote: 'wireguard-go' },
  REFERENCE_PAIR,
  { local: 'burrow', remote: 'wireguard-go' },
  { local: 'burrow', remote: 'wireguard-go-20231211' },
];
const PARALLEL_STREAMS = 4;
/** Where --profile puts burrow-wg's CPU profiles, a folder per run. */
const PROFILE_ROOT = 'build/bench-profiles';
const UDP_PAYLOAD_BYTES = 64;
const WARM_UP_DEADLINE_S = 10;
/** Loaded pings start after the TCP stream has ramped up, and stop before it ends. */
const LOADED_PING_DELAY_MS = 500;
const LOADED_PING_INTERVAL_S = 0.2;
const AEAD_SECONDS = 1;

interface LivePair {
  readonly spec: PairSpec;
  readonly pair: TunnelPair;
  readonly result: PairResult;
}

/** Every lab open, so a Ctrl-C can still clean them up. */
const openLabs = new Set<NetnsLab>();
/** Set on SIGINT/SIGTERM: no new step starts once cleanup has begun. */
let stopping = false;

interface Options extends BenchSettings {
  readonly writeDocs: boolean;
  readonly profile: boolean;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (process.getuid?.() !== 0) {
    throw new Error('The tunnel benchmark creates network namespaces and needs root.');
  }
  const missing = await findMissingPrograms(['ip', 'wg', 'ping', 'iperf3', 'apt-get', 'dpkg-deb']);
  if (missing.length > 0) {
    throw new Error(`Missing programs: ${missing.join(', ')} (scripts/install-deps.sh system test)`);
  }
  const conditions = await runConditions();
  const profileDir = options.profile ? await startProfiling() : undefined;
  const specs = options.profile
    ? PAIRS.filter((spec) => spec === REFERENCE_PAIR || (spec.local === 'burrow' && spec.remote === 'burrow'))
    : PAIRS;
  const labels = new Map<WgImplementationKind, string>();
  for (const kind of new Set(specs.flatMap((spec) => [spec.local, spec.remote]))) {
    labels.set(kind, await implementationLabel(kind));
  }

  const results: PairResult[] = [];
  const live: LivePair[] = [];
  for (const spec of specs) {
    const result = emptyResult(pairLabel(spec, labels), spec === REFERENCE_PAIR);
    results.push(result);
    const pair = await setUp(spec, result);
    if (pair) {
      live.push({ spec, pair, result });
    }
  }
  try {
    for (let round = 1; round <= options.rounds && !stopping; round++) {
      for (const entry of live) {
        if (stopping) {
          break;
        }
        log(`round ${round}/${options.rounds}: ${entry.result.label}`);
        entry.result.rounds.push(await measureRound(entry, options));
      }
    }
    for (const { pair, result } of live) {
      await recordPeakRss(pair.local, result.local, result);
      await recordPeakRss(pair.remote, result.remote, result);
    }
  } finally {
    await closeLabs();
  }
  if (stopping) {
    return;
  }
  conditions.loadAtEnd = loadAverage();

  log(`AEAD micro-benchmark, ${AEAD_SECONDS} s per operation`);
  const aead = aeadTable(measureAeads(AEAD_SECONDS));
  const pairs = results.map(summarize);
  const throughput = throughputTable(pairs);
  const cost = costTable(pairs);
  const versions = [...labels.values()].filter((label) => label !== 'burrow');
  console.log(
    [
      renderText(throughput),
      renderText(cost),
      renderText(aead),
      `${options.rounds} round(s) × ${options.seconds} s; ${versions.join(', ')}; load average ` +
        `${conditions.loadAtStart} at start, ${conditions.loadAtEnd} at end`,
      ...pairs.flatMap((pair) => pair.problems.map((problem) => `${pair.label}: ${problem}`)),
    ].join('\n\n'),
  );
  if (profileDir !== undefined) {
    console.log(['', `burrow-wg profiles (${profileDir}):`, ...(await summarizeProfiles(profileDir))].join('\n'));
  }
  if (options.writeDocs) {
    await writeReport({
      settings: options,
      conditions,
      versions,
      pairs,
      throughput,
      cost,
      aead,
      aeadSeconds: AEAD_SECONDS,
    });
    log(`wrote ${REPORT_PATH} and ${CHART_PATH}`);
  }
}

/** Every burrow-wg started from here on writes a CPU profile into a new folder under build/ when it exits. */
async function startProfiling(): Promise<string> {
  await mkdir(PROFILE_ROOT, { recursive: true });
  const dir = await mkdtemp(join(PROFILE_ROOT, 'run-'));
  process.env[BURROW_NODE_FLAGS_VARIABLE] = `--cpu-prof --cpu-prof-dir=${dir}`;
  return dir;
}

function emptyResult(label: string, isReference: boolean): PairResult {
  return {
    label,
    isReference,
    rounds: [],
    local: { cpuSeconds: 0, bytes: 0 },
    remote: { cpuSeconds: 0, bytes: 0 },
    problems: [],
  };
}

function pairLabel(spec: PairSpec, labels: ReadonlyMap<WgImplementationKind, string>): string {
  // "wireguard-go 0.0.20231211-1~bpo12+1" → "wireguard-go 0.0.20231211": the Debian revision is in the versions list.
  const short = (kind: WgImplementationKind): string => (labels.get(kind) ?? kind).replace(/(\d)-\S*$/, '$1');
  const label = `${short(spec.local)} ↔ ${spec.local === spec.remote ? 'same' : short(spec.remote)}`;
  return spec === REFERENCE_PAIR ? `${label} (ref)` : label;
}

/** A pair up and answering pings, with an iperf3 server on its remote side; undefined (and a problem) if not. */
async function setUp(spec: PairSpec, result: PairResult): Promise<TunnelPair | undefined> {
  const unavailable =
    (await implementationUnavailableReason(spec.local)) ?? (await implementationUnavailableReason(spec.remote));
  if (unavailable !== undefined) {
    result.problems.push(`not available: ${unavailable}`);
    return undefined;
  }
  log(`${result.label}: setting up`);
  const lab = await NetnsLab.create('bench');
  openLabs.add(lab);
  try {
    const pair = await createTunnelPair(lab, { local: { kind: spec.local }, remote: { kind: spec.remote } });
    const warmUp = await ping(pair.local.ns, pair.remote.ipv4, { count: 3, deadlineSeconds: WARM_UP_DEADLINE_S });
    if (warmUp.received === 0) {
      throw new Error('no ping reply through the tunnel');
    }
    await startIperfServer(lab, pair.remote.ns, pair.remote.ipv4);
    return pair;
  } catch (error) {
    result.problems.push(`set-up failed: ${message(error)}`);
    log(`${result.label}: set-up failed: ${message(error)}`);
    openLabs.delete(lab);
    await lab.close();
    return undefined;
  }
}

/** One round of every measurement on one pair; a failed measurement is noted and the round goes on. */
async function measureRound({ pair, result }: LivePair, settings: BenchSettings): Promise<RoundFigures> {
  const { local, remote } = pair;
  const figures: RoundFigures = {};
  const attempt = async (what: string, measure: () => Promise<void>): Promise<void> => {
    if (stopping) {
      return;
    }
    try {
      await measure();
    } catch (error) {
      result.problems.push(`${what}: ${message(error)}`);
      log(`${result.label}: ${what} failed: ${message(error)}`);
    }
  };
  const tcp = (reverse: boolean, streams: number): ReturnType<typeof runTcp> =>
    runTcp(local.ns, remote.ipv4, { seconds: settings.seconds, reverse, streams });

  await attempt('idle ping', async () => {
    const idle = await ping(local.ns, remote.ipv4, {
      count: settings.pings,
      intervalSeconds: 0.1,
      deadlineSeconds: settings.pings,
    });
    figures.rttIdleMs = idle.rtt?.avgMs;
  });
  await attempt('TCP →', async () => {
    const [upload, loaded] = await costOf(pair, result, () => Promise.all([tcp(false, 1), loadedPing(pair, settings)]));
    figures.upload = upload.mbitPerSecond;
    figures.retransmits = upload.retransmits;
    figures.rttLoadedMs = loaded;
  });
  await attempt('TCP ←', async () => {
    figures.download = (await costOf(pair, result, async () => [await tcp(true, 1)]))[0].mbitPerSecond;
  });
  await attempt(`TCP → ×${PARALLEL_STREAMS}`, async () => {
    figures.upload4 = (await tcp(false, PARALLEL_STREAMS)).mbitPerSecond;
  });
  await attempt(`TCP ← ×${PARALLEL_STREAMS}`, async () => {
    figures.download4 = (await tcp(true, PARALLEL_STREAMS)).mbitPerSecond;
  });
  await attempt('UDP 64 B →', async () => {
    const udp = await runUdpFlood(local.ns, remote.ipv4, {
      seconds: settings.seconds,
      payloadBytes: UDP_PAYLOAD_BYTES,
    });
    figures.udpPacketsPerSecond = udp.packetsPerSecond;
  });
  return figures;
}

/** Runs a single-stream TCP measurement and adds both daemons' CPU time and the bytes carried to their costs. */
async function costOf<T extends readonly [{ bytes: number }, ...unknown[]]>(
  pair: TunnelPair,
  result: PairResult,
  measure: () => Promise<T>,
): Promise<T> {
  const before = await Promise.all([cpuSeconds(pair.local.process.pid), cpuSeconds(pair.remote.process.pid)]);
  const figures = await measure();
  const after = await Promise.all([cpuSeconds(pair.local.process.pid), cpuSeconds(pair.remote.process.pid)]);
  for (const [index, cost] of [result.local, result.remote].entries()) {
    cost.cpuSeconds += (after[index] ?? 0) - (before[index] ?? 0);
    cost.bytes += figures[0].bytes;
  }
  return figures;
}

/** Average RTT of pings local → remote sent while a TCP stream runs, or undefined without a reply. */
async function loadedPing(pair: TunnelPair, settings: BenchSettings): Promise<number | undefined> {
  await new Promise((resolve) => setTimeout(resolve, LOADED_PING_DELAY_MS));
  const deadline = Math.max(1, settings.seconds - 1);
  const result = await ping(pair.local.ns, pair.remote.ipv4, {
    count: Math.round(deadline / LOADED_PING_INTERVAL_S),
    intervalSeconds: LOADED_PING_INTERVAL_S,
    deadlineSeconds: deadline,
  });
  return result.rtt?.avgMs;
}

async function recordPeakRss(peer: WgPeer, cost: DaemonCost, result: PairResult): Promise<void> {
  try {
    cost.peakRssBytes = await peakRssBytes(peer.process.pid);
  } catch (error) {
    result.problems.push(`peak RSS of ${peer.implementation.kind}: ${message(error)}`);
  }
}

async function closeLabs(): Promise<void> {
  for (const lab of openLabs) {
    openLabs.delete(lab);
    await lab.close();
  }
}

function parseOptions(argv: readonly string[]): Options {
  const settings = { rounds: 3, seconds: 5, pings: 20 };
  let writeDocs = true;
  let profile = false;
  const usage = `usage: tunnel-bench.js [--rounds 1-50] [--seconds 1-600] [--pings 1-600] [--no-docs] [--profile]; got ${argv.join(' ')}`;
  for (let index = 0; index < argv.length; index++) {
    const flag = argv[index];
    if (flag === '--no-docs' || flag === '--profile') {
      writeDocs = false;
      profile ||= flag === '--profile';
      continue;
    }
    const number = Number(argv[++index]);
    const limit = flag === '--rounds' ? 50 : 600;
    if ((flag !== '--rounds' && flag !== '--seconds' && flag !== '--pings') || !Number.isInteger(number)) {
      throw new Error(usage);
    }
    if (number < 1 || number > limit) {
      throw new Error(usage);
    }
    settings[flag.slice(2) as keyof typeof settings] = number;
  }
  return { ...settings, writeDocs, profile };
}

function message(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}

function log(text: string): void {
  console.error(`bench: ${text}`);
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    stopping = true;
    log(`${signal}: cleaning up`);
    void closeLabs()
      .catch((error: unknown) => log(`cleanup failed: ${message(error)}`))
      .finally(() => process.exit(130));
  });
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
});
