import test from 'ava';
import { CpuUsageMeter } from './cpu-usage.js';

test('the first sample measures since boot', (t) => {
  const meter = new CpuUsageMeter();
  t.is(meter.sample({ idle: 7500, total: 10_000 }), 25);
});

test('later samples measure only the window since the previous one', (t) => {
  const meter = new CpuUsageMeter();
  meter.sample({ idle: 9000, total: 10_000 });
  t.is(meter.sample({ idle: 9100, total: 11_000 }), 90);
  t.is(meter.sample({ idle: 10_100, total: 12_000 }), 0);
});

test('a window shorter than the minimum repeats the last answer and keeps the old start', (t) => {
  const meter = new CpuUsageMeter();
  meter.sample({ idle: 500, total: 1000 });
  t.is(meter.sample({ idle: 500, total: 1100 }), 50);
  // The window still starts at total=1000: 300 ms of which 100 idle.
  t.is(meter.sample({ idle: 600, total: 1300 }), 66.7);
});

test('counters that go backwards (a CPU taken offline) never give a value outside 0–100', (t) => {
  const meter = new CpuUsageMeter();
  meter.sample({ idle: 5000, total: 10_000 });
  const percent = meter.sample({ idle: 5000, total: 12_000 });
  t.true(percent >= 0 && percent <= 100);
  t.is(meter.sample({ idle: 10_000, total: 12_500 }), 0);
});
