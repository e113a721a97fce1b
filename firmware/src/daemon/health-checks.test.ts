import test from 'ava';
import { type ExitCheckPlan, HealthChecks } from './health-checks.js';

const TARGET = { url: 'http://internet.test/', source: '100.96.0.2', resolvers: ['100.96.0.1'] };

test('the self-test is kept with its trigger and verdict; two requested at once run one after the other', async (t) => {
  let running = 0;
  let most = 0;
  const health = new HealthChecks({
    runSelfTest: async () => {
      most = Math.max(most, ++running);
      await new Promise((resolve) => setTimeout(resolve, 10));
      running -= 1;
      return [
        { name: 'ruleset', pass: true, details: 'ok' },
        { name: 'leak-probe', pass: false, details: 'a LAN packet left through wan0' },
      ];
    },
    planExitCheck: () => null,
    now: () => 1_700_000_000_000,
  });
  t.is(health.lastSelfTest, null);
  const [first, second] = await Promise.all([health.selfTest('change'), health.selfTest('request')]);
  t.is(most, 1, 'never two at once');
  t.like(first, { trigger: 'change', pass: false, at: 1_700_000_000_000 });
  t.is(health.lastSelfTest, second);
  t.is(second.trigger, 'request');
});

test('the exit check: null without a URL, the address or the error in words, kept for the URL set now', async (t) => {
  let plan: ExitCheckPlan = null;
  let answer: () => Promise<string> = () => Promise.resolve('203.0.113.1');
  const health = new HealthChecks({
    runSelfTest: () => Promise.resolve([]),
    planExitCheck: () => plan,
    fetchExitAddress: () => answer(),
    now: () => 42,
  });
  t.is(await health.exitCheck(), null);
  plan = { url: TARGET.url, profileId: 1, target: TARGET };
  t.deepEqual(await health.exitCheck(), {
    url: TARGET.url,
    address: '203.0.113.1',
    checkedAt: 42,
    profileId: 1,
    error: null,
  });
  t.is(health.lastExitCheck(TARGET.url)?.address, '203.0.113.1');
  t.is(health.lastExitCheck('http://other.test/'), null, 'a result for another URL is not shown');
  t.is(health.lastExitCheck(null), null, 'disabled: null');
  answer = () => Promise.reject(new Error('no answer within 10 s'));
  t.like(await health.exitCheck(), { address: null, error: 'no answer within 10 s' });
  plan = { url: TARGET.url, profileId: null, target: { problem: 'no tunnel carries traffic' } };
  t.like(await health.exitCheck(), { address: null, profileId: null, error: 'no tunnel carries traffic' });
});
