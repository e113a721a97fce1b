import test from 'ava';
import { systemClock } from './clock.js';
import { FakeClock } from './clock.fake.js';

test('fake timers fire in deadline order, each seeing its own deadline as now', (t) => {
  const clock = new FakeClock({ now: 1000 });
  const fired: Array<[string, number]> = [];
  const timer = (name: string) => clock.timer(() => fired.push([name, clock.now()]));
  timer('c').set(300);
  timer('a').set(100);
  timer('b').set(200);
  timer('a-twin').set(100);

  clock.advance(250);
  t.deepEqual(fired, [
    ['a', 1100],
    ['a-twin', 1100],
    ['b', 1200],
  ]);
  t.is(clock.now(), 1250);
  t.is(clock.pendingTimers, 1);
  clock.advance(50);
  t.deepEqual(fired.at(-1), ['c', 1300]);
});

test('re-arming replaces the deadline, cancel disarms, pending tells', (t) => {
  const clock = new FakeClock();
  let fired = 0;
  const timer = clock.timer(() => fired++);
  t.false(timer.pending);
  timer.set(100);
  clock.advance(60);
  timer.set(100); // pushed out, as keepalive timers are on every packet
  clock.advance(60);
  t.is(fired, 0);
  t.true(timer.pending);
  clock.advance(40);
  t.is(fired, 1);
  t.false(timer.pending);

  timer.set(10);
  t.true(timer.cancel());
  t.false(timer.cancel());
  clock.advance(100);
  t.is(fired, 1);
});

test('timers armed by a firing timer fire in the same advance when due', (t) => {
  const clock = new FakeClock();
  const times: number[] = [];
  const tick = clock.timer(() => {
    times.push(clock.now());
    tick.set(10);
  });
  tick.set(10);
  clock.advance(35);
  t.deepEqual(times, [10, 20, 30]);
  t.true(clock.runNext());
  t.deepEqual(times, [10, 20, 30, 40]);
  tick.cancel();
  t.false(clock.runNext());
});

test('wall time moves with monotonic time and can be stepped alone', (t) => {
  const clock = new FakeClock({ now: 5, wallTime: Date.UTC(2030, 0, 1) });
  clock.advance(1500);
  t.is(clock.wallTime(), Date.UTC(2030, 0, 1) + 1500);
  clock.stepWallTime(-60_000);
  t.is(clock.wallTime(), Date.UTC(2030, 0, 1) + 1500 - 60_000);
  t.is(clock.now(), 1505);
  t.throws(() => clock.advance(-1), { instanceOf: RangeError });
});

test('the system clock is monotonic and its wall time is the real one', (t) => {
  const a = systemClock.now();
  const b = systemClock.now();
  t.true(b >= a);
  t.true(Math.abs(systemClock.wallTime() - Date.now()) < 1000);
});

test('a system timer pushed later fires at the later deadline, not the first', async (t) => {
  const start = systemClock.now();
  const fired = new Promise<number>((resolve) => {
    const timer = systemClock.timer(() => resolve(systemClock.now() - start));
    timer.set(30);
    setTimeout(() => timer.set(60), 10); // new deadline: ~70 ms after start
  });
  const elapsed = await fired;
  t.true(elapsed >= 68, `fired after ${elapsed} ms`);
});

test('a system timer pulled earlier fires early, and a cancelled one never fires', async (t) => {
  const start = systemClock.now();
  let cancelledFired = false;
  const cancelled = systemClock.timer(() => (cancelledFired = true));
  cancelled.set(20);
  t.true(cancelled.cancel());
  const elapsed = await new Promise<number>((resolve) => {
    const timer = systemClock.timer(() => resolve(systemClock.now() - start));
    timer.set(5000);
    timer.set(20);
  });
  t.true(elapsed < 1000, `fired after ${elapsed} ms`);
  await new Promise((resolve) => setTimeout(resolve, 30));
  t.false(cancelledFired);
});
