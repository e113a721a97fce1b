// docs/performance.md and docs/performance.svg from one run: the tables, the chart, and what the figures depend on
// (machine, kernel, load, versions, settings), so a reader can tell two runs' conditions apart.
import { readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { run } from '../../helpers/netns-exec.js';
import { renderChart } from './bench-chart.js';
import { type PairSummary, renderMarkdown, type Table } from './bench-table.js';

// test/dist/netns/bench/ → the repository's docs/.
const DOCS_DIR = new URL('../../../../docs/', import.meta.url);
export const REPORT_PATH = fileURLToPath(new URL('performance.md', DOCS_DIR));
export const CHART_PATH = fileURLToPath(new URL('performance.svg', DOCS_DIR));

export interface RunConditions {
  readonly date: string;
  readonly machine: string;
  readonly kernel: string;
  readonly os: string;
  readonly node: string;
  readonly iperf: string;
  readonly commit: string;
  readonly loadAtStart: string;
  loadAtEnd?: string;
}

export interface BenchSettings {
  readonly rounds: number;
  readonly seconds: number;
  readonly pings: number;
}

export async function runConditions(): Promise<RunConditions> {
  const model = cpus()[0]?.model.replace(/\s+/g, ' ').trim() ?? 'unknown CPU';
  const osRelease = await readFile('/etc/os-release', 'utf8').catch(() => '');
  const iperf = await run(['iperf3', '--version'], { check: false });
  const commit = await run(['git', 'describe', '--always', '--dirty'], { check: false });
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    machine: `${model}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB`,
    kernel: `Linux ${release()}`,
    os: /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(osRelease)?.[1] ?? 'unknown',
    node: process.version,
    iperf: /iperf (\S+)/.exec(iperf.stdout)?.[1] ?? 'unknown',
    commit: commit.exitCode === 0 ? commit.stdout.trim() : 'unknown',
    loadAtStart: loadAverage(),
  };
}

export function loadAverage(): string {
  return loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');
}

export async function writeReport(report: {
  settings: BenchSettings;
  conditions: RunConditions;
  versions: readonly string[];
  pairs: readonly PairSummary[];
  throughput: Table;
  cost: Table;
  aead: Table;
  aeadSeconds: number;
}): Promise<void> {
  const { settings, conditions, pairs } = report;
  const caption = `${plural(settings.rounds, 'round')} × ${settings.seconds} s each way; ${conditions.date}; ${conditions.machine}`;
  await writeFile(CHART_PATH, renderChart(pairs, caption));
  const problems = pairs.flatMap((pair) => pair.problems.map((problem) => `- ${pair.label}: ${problem}`));
  const text = `# Performance

<!-- Written by \`make bench\` (test/netns/bench/tunnel-bench.ts); edit the bench, not this page. -->

The tunnel's throughput, latency and cost against Debian's two wireguard-go packages, measured side by side in one
run in the project's network-namespace harness (two namespaces joined by a veth pair, one WireGuard daemon in each,
MTU 1420). Reproduce with \`make bench\` (root); \`make bench BENCH_ARGS="--rounds 1 --seconds 3"\` is a quick run.
Nothing here passes or fails on a number.

![Tunnel throughput per pair, both directions](performance.svg)

## Run

| what | value |
| --- | --- |
| date | ${conditions.date} |
| machine | ${conditions.machine} |
| kernel | ${conditions.kernel} |
| system | ${conditions.os} |
| Node.js | ${conditions.node} |
| iperf3 | ${conditions.iperf} |
| burrow | \`${conditions.commit}\` |
| load average (1/5/15 min) at start, end | ${conditions.loadAtStart}; ${conditions.loadAtEnd ?? '-'} |
| settings | ${plural(settings.rounds, 'round')} × ${settings.seconds} s per measurement, ${settings.pings} idle pings per round |

${report.versions.map((version) => `- ${version}`).join('\n')}

## Throughput

${renderMarkdown(report.throughput)}

## Latency and cost

${renderMarkdown(report.cost)}

## The cipher's own limit

${renderMarkdown(report.aead)}

## How it is measured

- **Pairs.** "local ↔ remote": the daemon in the local namespace and the one in the remote namespace; in a mixed
  pair burrow is local. All pairs are set up first; each round then measures every pair in turn, so a change in
  the machine's load spreads over all pairs instead of falling on one. Each figure is the median over the rounds.
- **TCP.** iperf3, client in local, server in remote; → is local to remote, ← is \`--reverse\`. One stream, then
  four (\`-P 4\`). Rates are what the receiver got. ×ref is the ratio to the pair marked (ref)
  (wireguard-go 0.0.20231211 ↔ itself) from the same run.
- **UDP 64 B.** iperf3 \`-u -l 64 -b 0\` local → remote: 64-byte datagrams as fast as the client sends them;
  kpps counts the datagrams that arrived.
- **RTT.** ping local → remote: idle (\`${settings.pings}\` pings 0.1 s apart per round), and loaded (every 0.2 s while
  the single-stream TCP run local → remote goes on); median of the rounds' averages.
- **CPU s/GB.** User + system CPU seconds of each daemon (all threads, and any process it started;
  \`/proc/PID/stat\`) over the single-stream TCP runs of both directions, divided by the GB (10⁹ bytes) those runs
  carried. Kernel work done for the daemon outside its own threads (veth, softirq) is not in it.
- **Peak RSS.** Each daemon's \`VmHWM\` (\`/proc/PID/status\`; summed over any processes it started) at the end of
  the run.
- **AEAD.** ChaCha20-Poly1305 seal and open of ${1420}-byte packets on one core, ${report.aeadSeconds} s each, for every
  per-packet implementation in firmware/src/crypto/aead-select.ts, and for the data path's native batches (64
  messages per call, firmware/src/crypto/transport-aead.ts).
- The Debian package 0.0.20231211 reports itself as \`v0.0.20230223\` (\`wireguard-go --version\`): upstream did not
  bump its version string for that release. The bench fetches it by itself into \`build/bench-cache/\` with a
  private apt configuration (test/helpers/wireguard-go-versions.ts); the machine's apt sources stay as they are.
- On a machine shared with other work the absolute figures move by tens of percent between runs; the ratios of one
  run are steadier than its absolute numbers.
${problems.length > 0 ? `\n## Problems in this run\n\n${problems.join('\n')}\n` : ''}`;
  await writeFile(REPORT_PATH, await formatMarkdown(text));
}

/** The page as the repository's Prettier would write it (`make lint` checks every Markdown file). */
async function formatMarkdown(text: string): Promise<string> {
  const prettier = await import('prettier');
  const config = (await prettier.resolveConfig(REPORT_PATH)) ?? {};
  // The Svelte plugin is for ui/ and not needed here; loading it from test/ would need its own resolution.
  return prettier.format(text, { ...config, plugins: [], filepath: REPORT_PATH });
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
