// The timed disarm: what it accepts, its deadline on disk across a restart, and the re-arm at the deadline, on a
// fake clock (the real ruleset is exercised in the household lab).
import test, { type ExecutionContext } from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FakeClock } from '../io/clock.fake.js';
import { KillSwitchDisarm, parseDisarmParams } from './kill-switch-disarm.js';

const START = Date.UTC(2026, 11, 2, 12, 0, 0);
const quiet = { info: () => undefined, warn: () => undefined };

function setUp(t: ExecutionContext, dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'burrow-disarm-'))) {
  t.teardown(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const clock = new FakeClock({ wallTime: START });
  const applied: boolean[] = [];
  const disarm = new KillSwitchDisarm({
    file: KillSwitchDisarm.fileIn(dataDir),
    clock,
    log: quiet,
    reapply: () => {
      applied.push(disarm.disarmed);
      return Promise.resolve();
    },
  });
  return { dataDir, clock, disarm, applied, file: KillSwitchDisarm.fileIn(dataDir) };
}

/** Lets the timer's re-arm (file removal, apply) finish. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

test('accepts minutes 1–60, or seconds 1–3600 for tests, and nothing else', (t) => {
  t.deepEqual(parseDisarmParams({ minutes: 1 }), { ok: true, ms: 60_000 });
  t.deepEqual(parseDisarmParams({ minutes: 60 }), { ok: true, ms: 3_600_000 });
  t.deepEqual(parseDisarmParams({ seconds: 3 }), { ok: true, ms: 3_000 });
  t.deepEqual(parseDisarmParams({ seconds: 3600 }), { ok: true, ms: 3_600_000 });
  for (const bad of [
    { minutes: 0 },
    { minutes: 61 },
    { minutes: 1.5 },
    { minutes: '5' },
    { seconds: 0 },
    { seconds: 3601 },
    { minutes: 5, seconds: 5 },
    { hours: 1 },
    {},
    null,
    [5],
    5,
  ]) {
    const parsed = parseDisarmParams(bad);
    t.false(parsed.ok, JSON.stringify(bad));
    t.regex(parsed.ok ? '' : parsed.error, /minutes|seconds/, 'the error says what is accepted');
  }
  const tooLong = parseDisarmParams({ minutes: 61 });
  t.is(tooLong.ok ? '' : tooLong.error, 'minutes must be a whole number from 1 to 60');
});

test('disarm writes the deadline before applying, and re-arms by itself at the deadline', async (t) => {
  const { clock, disarm, applied, file } = setUp(t);
  const until = await disarm.disarm(90_000);
  t.is(until, new Date(START + 90_000).toISOString());
  t.deepEqual(JSON.parse(fs.readFileSync(file, 'utf8')), { until });
  t.is(fs.statSync(file).mode & 0o777, 0o600);
  t.deepEqual(applied, [true], 'applied once, disarmed');
  t.is(disarm.disarmedUntil, until);

  clock.advance(89_999);
  t.true(disarm.disarmed);
  clock.advance(1);
  await settle();
  t.false(disarm.disarmed);
  t.is(disarm.disarmedUntil, null);
  t.deepEqual(applied, [true, false], 'applied again, armed');
  t.false(fs.existsSync(file), 'the deadline is gone from disk');
  t.deepEqual(
    disarm.events.map((event) => [event.kind, event.reason]),
    [
      ['disarmed', 'requested for 90 s'],
      ['rearmed', 'the disarm time is up'],
    ],
  );
});

test('a deadline still ahead survives a restart; one already past is removed, armed', async (t) => {
  const first = setUp(t);
  await first.disarm.disarm(60_000);
  first.disarm.stop();

  const restarted = setUp(t, first.dataDir);
  restarted.clock.advance(30_000);
  await restarted.disarm.load();
  t.true(restarted.disarm.disarmed, 'still disarmed after a restart before the deadline');
  t.is(restarted.disarm.disarmedUntil, new Date(START + 60_000).toISOString());
  restarted.clock.advance(30_000);
  await settle();
  t.false(restarted.disarm.disarmed, 'the restarted daemon re-arms at the same deadline');
  t.deepEqual(restarted.applied, [false]);

  const again = setUp(t);
  await again.disarm.disarm(60_000);
  again.disarm.stop();
  const late = setUp(t, again.dataDir);
  late.clock.advance(60_000);
  await late.disarm.load();
  t.false(late.disarm.disarmed, 'a deadline already past at start: armed');
  t.false(fs.existsSync(late.file), 'and its file removed');
});

test('an unreadable or too distant saved deadline is removed: armed', async (t) => {
  for (const text of [
    '{"until": "tomorrow"}',
    'not json',
    `{"until": "${new Date(START + 7_200_000).toISOString()}"}`,
  ]) {
    const { disarm, file } = setUp(t);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
    await disarm.load();
    t.false(disarm.disarmed, text);
    t.false(fs.existsSync(file), text);
  }
});

test('rearm cancels the timer and the file; a second rearm says it was armed already', async (t) => {
  const { clock, disarm, applied, file } = setUp(t);
  await disarm.disarm(60_000);
  t.true(await disarm.rearm('requested'));
  t.false(fs.existsSync(file));
  t.false(await disarm.rearm('requested'));
  t.is(clock.pendingTimers, 0, 'no re-arm left to fire');
  t.deepEqual(applied, [true, false, false]);
  t.false(await disarm.rearm('factory reset', false), 'without applying');
  t.is(applied.length, 3);
});
