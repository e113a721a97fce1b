import test from 'ava';
import { fillPoints, RANGE_STEPS, TRAFFIC_RANGES, totalOf, trafficWindow } from './traffic-range.js';

// 2025-01-01T12:34:56Z
const NOW = Date.UTC(2025, 0, 1, 12, 34, 56) / 1000;

test('each range ends with the step now falls in and has its number of points', (t) => {
  for (const range of TRAFFIC_RANGES) {
    const window = trafficWindow(range, NOW);
    const { stepSeconds, points } = RANGE_STEPS[range];
    t.is(window.to - window.from, stepSeconds * points, range);
    t.true(window.to > NOW && window.to - stepSeconds <= NOW, range);
    t.is(window.from % stepSeconds, 0, range);
  }
  t.is(new Date(trafficWindow('month', NOW).to * 1000).toISOString(), '2025-01-01T16:00:00.000Z');
  t.is(new Date(trafficWindow('hour', NOW).from * 1000).toISOString(), '2025-01-01T11:35:00.000Z');
});

test('buckets fall into their points, zero elsewhere; buckets outside the window are left out', (t) => {
  const window = trafficWindow('day', NOW);
  const points = fillPoints(window, [
    { bucket: window.from, rxBytes: 1, txBytes: 2 },
    { bucket: window.from + 540, rxBytes: 10, txBytes: 20 },
    { bucket: window.from + 600, rxBytes: 100, txBytes: 200 },
    { bucket: window.from - 60, rxBytes: 1_000, txBytes: 1_000 },
    { bucket: window.to, rxBytes: 1_000, txBytes: 1_000 },
  ]);
  t.is(points.length, 144);
  t.deepEqual(points[0], { at: window.from, rxBytes: 11, txBytes: 22 });
  t.deepEqual(points[1], { at: window.from + 600, rxBytes: 100, txBytes: 200 });
  t.true(points.slice(2).every((point) => point.rxBytes === 0 && point.txBytes === 0));
  t.deepEqual(totalOf(points), { rxBytes: 111, txBytes: 222 });
});

test('hour buckets add into the four-hour points of the month', (t) => {
  const window = trafficWindow('month', NOW);
  const points = fillPoints(
    window,
    [0, 1, 2, 3, 4].map((hour) => ({ bucket: window.from + hour * 3600, rxBytes: 1, txBytes: 1 })),
  );
  t.deepEqual(
    points.slice(0, 2).map((point) => point.rxBytes),
    [4, 1],
  );
});
