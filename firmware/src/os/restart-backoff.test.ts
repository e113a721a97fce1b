import test from 'ava';
import { DEFAULT_BACKOFF, RestartBackoff } from './restart-backoff.js';

test('quick crashes double the wait up to the maximum', (t) => {
  const backoff = new RestartBackoff({ initialDelayMs: 100, maxDelayMs: 500, stableAfterMs: 1_000 });
  t.deepEqual(
    [0, 10, 10, 10, 10].map((ranForMs) => backoff.delayAfterCrash(ranForMs)),
    [100, 200, 400, 500, 500],
  );
});

test('a child that ran long enough was healthy: the wait starts over', (t) => {
  const backoff = new RestartBackoff({ initialDelayMs: 100, maxDelayMs: 500, stableAfterMs: 1_000 });
  backoff.delayAfterCrash(0);
  backoff.delayAfterCrash(0);
  t.is(backoff.delayAfterCrash(1_000), 100);
  t.is(backoff.delayAfterCrash(0), 200, 'and doubles again from there');
});

test('reset() forgets earlier crashes; unset fields take the defaults', (t) => {
  const backoff = new RestartBackoff({ maxDelayMs: 60_000 });
  t.deepEqual(backoff.policy, { ...DEFAULT_BACKOFF, maxDelayMs: 60_000 });
  backoff.delayAfterCrash(0);
  backoff.delayAfterCrash(0);
  backoff.reset();
  t.is(backoff.delayAfterCrash(0), DEFAULT_BACKOFF.initialDelayMs);
});
