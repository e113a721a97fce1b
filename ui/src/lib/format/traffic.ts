import type { TrafficRange, TunnelTraffic } from '$lib/api/types';
import { formatBytes } from './bytes';

export const TRAFFIC_RANGES: ReadonlyArray<{ range: TrafficRange; label: string; span: string }> = [
  { range: 'hour', label: 'Hour', span: 'the last hour' },
  { range: 'day', label: 'Day', span: 'the last day' },
  { range: 'month', label: 'Month', span: 'the last 30 days' },
];

/** "1.2 MiB received, 340.0 KiB sent". */
export function trafficTotals({ rxBytes, txBytes }: { rxBytes: number; txBytes: number }): string {
  return `${formatBytes(rxBytes)} received, ${formatBytes(txBytes)} sent`;
}

/** A point's time as the axis and the summary show it: the clock for an hour or a day, the date for a month. */
export function pointTime(epochMs: number, range: TrafficRange): string {
  const date = new Date(epochMs);
  return range === 'month'
    ? date.toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' })
    : date.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
}

/** The chart in words, for screen readers: the totals over the range, and when it was busiest. */
export function describeTraffic(traffic: TunnelTraffic): string {
  const span = TRAFFIC_RANGES.find((entry) => entry.range === traffic.range)?.span ?? traffic.range;
  const totals = `Over ${span}: ${trafficTotals(traffic.totals)}.`;
  const busiest = traffic.points.reduce<TunnelTraffic['points'][number] | undefined>(
    (best, point) =>
      point.rxBytes + point.txBytes > (best === undefined ? 0 : best.rxBytes + best.txBytes) ? point : best,
    undefined,
  );
  if (busiest === undefined) {
    return `${totals} Nothing went through the tunnel.`;
  }
  const at = pointTime(Date.parse(busiest.at), traffic.range);
  return `${totals} Busiest from ${at}: ${trafficTotals(busiest)}.`;
}
