// The benchmark's printed result: one row per pair of implementations and a row of ratios
// burrow / wireguard-go, in a plain-text table that reads well in a terminal and in CI logs.
import { type Throughput } from './iperf.js';

export interface MeasuredPair {
  readonly label: string;
  readonly upload: Throughput;
  readonly download: Throughput;
  readonly rtt?: { readonly avgMs: number; readonly mdevMs: number };
  readonly pingLoss: number;
}

/** A pair that could not be measured, with the reason shown in its row ("not available: …", "failed: …"). */
export interface UnmeasuredPair {
  readonly label: string;
  readonly problem: string;
}

export type PairFigures = MeasuredPair | UnmeasuredPair;

const HEADER = [
  'local ↔ remote',
  'local→remote Mbit/s',
  'remote→local Mbit/s',
  'RTT avg ms',
  'RTT mdev ms',
  'local CPU % (→/←)',
  'TCP retransmits (→/←)',
];

export function formatTable(figures: readonly PairFigures[], settings: { seconds: number; pings: number }): string {
  const rows: string[][] = [HEADER];
  for (const pair of figures) {
    if ('problem' in pair) {
      rows.push([pair.label, pair.problem.split('\n')[0] ?? '']);
      continue;
    }
    rows.push([
      pair.label,
      pair.upload.mbitPerSecond.toFixed(0),
      pair.download.mbitPerSecond.toFixed(0),
      pair.rtt ? pair.rtt.avgMs.toFixed(3) : 'no reply',
      pair.rtt ? pair.rtt.mdevMs.toFixed(3) : '-',
      `${pair.upload.daemonCpuPercent.toFixed(0)} / ${pair.download.daemonCpuPercent.toFixed(0)}`,
      `${pair.upload.retransmits} / ${pair.download.retransmits}`,
    ]);
  }
  const ours = measured(figures, 'burrow ↔ wireguard-go');
  const reference = measured(figures, 'wireguard-go ↔ wireguard-go');
  if (ours && reference) {
    rows.push([
      'ratio burrow / wireguard-go',
      ratio(ours.upload.mbitPerSecond, reference.upload.mbitPerSecond),
      ratio(ours.download.mbitPerSecond, reference.download.mbitPerSecond),
      ratio(ours.rtt?.avgMs, reference.rtt?.avgMs),
      '',
      `${ratio(ours.upload.daemonCpuPercent, reference.upload.daemonCpuPercent)} / ` +
        ratio(ours.download.daemonCpuPercent, reference.download.daemonCpuPercent),
      '',
    ]);
  }
  const losses = figures.filter((pair): pair is MeasuredPair => 'pingLoss' in pair && pair.pingLoss > 0);
  const notes = [
    `iperf3 TCP, ${settings.seconds} s each way, client in "local"; RTT from ${settings.pings} pings local → remote.`,
    'CPU: user + system time of the local WireGuard daemon, in % of one core, during each transfer.',
    ...losses.map((pair) => `${pair.label}: ${pair.pingLoss} of ${settings.pings} pings lost.`),
  ];
  return `${render(rows)}\n\n${notes.join('\n')}`;
}

function measured(figures: readonly PairFigures[], label: string): MeasuredPair | undefined {
  const pair = figures.find((candidate) => candidate.label === label);
  return pair && !('problem' in pair) ? pair : undefined;
}

function ratio(ours: number | undefined, reference: number | undefined): string {
  return ours === undefined || reference === undefined || reference === 0 ? '-' : `${(ours / reference).toFixed(2)}×`;
}

/** Full rows are aligned in columns; a two-cell row (label, problem) runs on past the columns. */
function render(rows: readonly string[][]): string {
  const fullRows = rows.filter((row) => row.length > 2);
  const widths = (rows[0] ?? []).map((_, column) => Math.max(...fullRows.map((row) => (row[column] ?? '').length)));
  const line = (row: readonly string[]): string =>
    row.length <= 2
      ? `${(row[0] ?? '').padEnd(widths[0] ?? 0)}  ${row[1] ?? ''}`
      : row
          .map((cell, column) => (column === 0 ? cell.padEnd(widths[0] ?? 0) : cell.padStart(widths[column] ?? 0)))
          .join('  ')
          .trimEnd();
  const rule = widths.map((width) => '-'.repeat(width)).join('  ');
  return [line(rows[0] ?? []), rule, ...rows.slice(1).map(line)].join('\n');
}
