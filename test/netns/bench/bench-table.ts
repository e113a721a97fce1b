// The benchmark's result: each pair's rounds reduced to medians, and the tables that show them (aligned text for a
// terminal or CI log, Markdown for docs/performance.md). Ratios compare against the reference pair, measured in
// the same run: a ratio from two runs would compare two machines' moods.
import { type AeadFigures, AEAD_PACKET_BYTES } from './aead-bench.js';

/** One round's figures for one pair; a measurement that failed in that round is absent. */
export interface RoundFigures {
  upload?: number;
  download?: number;
  upload4?: number;
  download4?: number;
  udpPacketsPerSecond?: number;
  rttIdleMs?: number;
  rttLoadedMs?: number;
  retransmits?: number;
}

/** A daemon's cost over the pair's single-stream TCP runs. */
export interface DaemonCost {
  cpuSeconds: number;
  bytes: number;
  peakRssBytes?: number;
}

export interface PairResult {
  readonly label: string;
  readonly isReference: boolean;
  readonly rounds: RoundFigures[];
  readonly local: DaemonCost;
  readonly remote: DaemonCost;
  /** What went wrong: set-up (then no rounds) or single measurements. */
  readonly problems: string[];
}

export interface PairSummary {
  readonly label: string;
  readonly isReference: boolean;
  readonly medians: RoundFigures;
  readonly local: DaemonCost;
  readonly remote: DaemonCost;
  readonly problems: string[];
}

export interface Table {
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

const MEDIAN_KEYS = [
  'upload',
  'download',
  'upload4',
  'download4',
  'udpPacketsPerSecond',
  'rttIdleMs',
  'rttLoadedMs',
  'retransmits',
] as const;

export function summarize(result: PairResult): PairSummary {
  const medians: RoundFigures = {};
  for (const key of MEDIAN_KEYS) {
    const value = median(result.rounds.map((round) => round[key]));
    if (value !== undefined) {
      medians[key] = value;
    }
  }
  return { ...result, medians };
}

export function median(values: readonly (number | undefined)[]): number | undefined {
  const sorted = values.filter((value): value is number => value !== undefined).sort((a, b) => a - b);
  if (sorted.length === 0) {
    return undefined;
  }
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

export function throughputTable(pairs: readonly PairSummary[]): Table {
  const reference = pairs.find((pair) => pair.isReference)?.medians;
  return {
    header: [
      'local ↔ remote',
      'TCP → Mbit/s',
      'TCP ← Mbit/s',
      '→ ×ref',
      '← ×ref',
      '4 streams →',
      '4 streams ←',
      '4× → ×ref',
      '4× ← ×ref',
      'UDP 64 B → kpps',
    ],
    rows: pairs.map(({ label, medians }) => [
      label,
      fixed(medians.upload, 0),
      fixed(medians.download, 0),
      ratio(medians.upload, reference?.upload),
      ratio(medians.download, reference?.download),
      fixed(medians.upload4, 0),
      fixed(medians.download4, 0),
      ratio(medians.upload4, reference?.upload4),
      ratio(medians.download4, reference?.download4),
      fixed(medians.udpPacketsPerSecond === undefined ? undefined : medians.udpPacketsPerSecond / 1000, 1),
    ]),
  };
}

export function costTable(pairs: readonly PairSummary[]): Table {
  return {
    header: [
      'local ↔ remote',
      'RTT idle ms',
      'RTT loaded ms',
      'CPU s/GB local',
      'CPU s/GB remote',
      'peak RSS MB local',
      'peak RSS MB remote',
      'TCP retransmits →',
    ],
    rows: pairs.map(({ label, medians, local, remote }) => [
      label,
      fixed(medians.rttIdleMs, 3),
      fixed(medians.rttLoadedMs, 2),
      fixed(cpuPerGigabyte(local), 2),
      fixed(cpuPerGigabyte(remote), 2),
      fixed(local.peakRssBytes === undefined ? undefined : local.peakRssBytes / 1e6, 0),
      fixed(remote.peakRssBytes === undefined ? undefined : remote.peakRssBytes / 1e6, 0),
      fixed(medians.retransmits, 0),
    ]),
  };
}

export function aeadTable(figures: readonly AeadFigures[]): Table {
  const gbit = (perSecond: number): string => ((perSecond * AEAD_PACKET_BYTES * 8) / 1e9).toFixed(2);
  return {
    header: ['AEAD (one core)', 'seal k/s', 'seal Gbit/s', 'open k/s', 'open Gbit/s'],
    rows: figures.map(({ name, sealPerSecond, openPerSecond }) => [
      name,
      (sealPerSecond / 1000).toFixed(0),
      gbit(sealPerSecond),
      (openPerSecond / 1000).toFixed(0),
      gbit(openPerSecond),
    ]),
  };
}

/** CPU seconds per GB (10^9 bytes) carried, over all single-stream TCP runs of both directions. */
export function cpuPerGigabyte(cost: DaemonCost): number | undefined {
  return cost.bytes > 0 ? cost.cpuSeconds / (cost.bytes / 1e9) : undefined;
}

/** Columns aligned: the first left, the rest right. */
export function renderText(table: Table): string {
  const rows = [table.header, ...table.rows];
  const widths = table.header.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  const line = (row: readonly string[]): string =>
    row
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[0] ?? 0) : cell.padStart(widths[column] ?? 0)))
      .join('  ')
      .trimEnd();
  const rule = widths.map((width) => '-'.repeat(width)).join('  ');
  return [line(table.header), rule, ...table.rows.map(line)].join('\n');
}

export function renderMarkdown(table: Table): string {
  const line = (row: readonly string[]): string => `| ${row.map((cell) => cell.replace(/\|/g, '\\|')).join(' | ')} |`;
  const rule = `|${table.header.map((_, column) => (column === 0 ? ' --- ' : ' ---: ')).join('|')}|`;
  return [line(table.header), rule, ...table.rows.map(line)].join('\n');
}

function fixed(value: number | undefined, digits: number): string {
  return value === undefined ? '-' : value.toFixed(digits);
}

function ratio(value: number | undefined, reference: number | undefined): string {
  return value === undefined || reference === undefined || reference === 0 ? '-' : `${(value / reference).toFixed(2)}×`;
}
