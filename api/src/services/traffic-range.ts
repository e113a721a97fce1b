// The three windows the Tunnel page charts, and how stored buckets fall into their points. Pure: times are epoch
// seconds, UTC, so a point's edges are the same on every box and in every test.
import { type ByteCounts } from './traffic-counters.js';

export const TRAFFIC_RANGES = ['hour', 'day', 'month'] as const;
export type TrafficRange = (typeof TRAFFIC_RANGES)[number];

/** Seconds per point and points per chart: 60 one-minute points, 144 ten-minute points, 180 four-hour points. */
export const RANGE_STEPS: Readonly<Record<TrafficRange, { stepSeconds: number; points: number }>> = {
  hour: { stepSeconds: 60, points: 60 },
  day: { stepSeconds: 600, points: 144 },
  month: { stepSeconds: 14_400, points: 180 },
};

export const MINUTE_SECONDS = 60;
export const HOUR_SECONDS = 3_600;

/** Where a chart starts and ends: `[from, to)` in epoch seconds, the last point being the one now falls in. */
export interface TrafficWindow {
  readonly from: number;
  readonly to: number;
  readonly stepSeconds: number;
  readonly points: number;
}

export function trafficWindow(range: TrafficRange, nowSeconds: number): TrafficWindow {
  const { stepSeconds, points } = RANGE_STEPS[range];
  const to = Math.floor(nowSeconds / stepSeconds) * stepSeconds + stepSeconds;
  return { from: to - points * stepSeconds, to, stepSeconds, points };
}

/** A stored or pending bucket: its start (epoch seconds) and bytes. */
export interface TrafficBucket extends ByteCounts {
  readonly bucket: number;
}

export interface TrafficPoint extends ByteCounts {
  /** The point's start, epoch seconds. */
  readonly at: number;
}

/**
 * Every point of the window, zero where nothing was carried, each the sum of the buckets that start inside it.
 * A bucket is never split: the windows' steps are multiples of the minute, and the day window never reaches back
 * to the hour buckets (minutes are kept longer than a day).
 */
export function fillPoints(window: TrafficWindow, buckets: Iterable<TrafficBucket>): TrafficPoint[] {
  const points = Array.from({ length: window.points }, (_, index) => ({
    at: window.from + index * window.stepSeconds,
    rxBytes: 0,
    txBytes: 0,
  }));
  for (const { bucket, rxBytes, txBytes } of buckets) {
    const point =
      bucket >= window.from && bucket < window.to
        ? points[Math.floor((bucket - window.from) / window.stepSeconds)]
        : undefined;
    if (point !== undefined) {
      point.rxBytes += rxBytes;
      point.txBytes += txBytes;
    }
  }
  return points;
}

export function totalOf(points: readonly ByteCounts[]): ByteCounts {
  return points.reduce(
    (sum, point) => ({ rxBytes: sum.rxBytes + point.rxBytes, txBytes: sum.txBytes + point.txBytes }),
    {
      rxBytes: 0,
      txBytes: 0,
    },
  );
}
