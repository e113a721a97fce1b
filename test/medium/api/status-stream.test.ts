// Live status: one poller of burrowd however many streams and services listen (counted on a fake burrowd
// socket), gateway changes on the stream within 2 s, streams that end with their session, and a bound per session.
import test from 'ava';
import { setTimeout as sleep } from 'node:timers/promises';
import { type FakeBurrowd } from '../../helpers/fake-burrowd.js';
import { ADMIN_PASSWORD, call, setupAdmin, signIn, withFakeBurrowd } from './session-client.js';
import { openStream } from './sse-client.js';
import { StatusStreamService } from '@burrow/api/services/status-stream.service';

const report = (events: unknown[] = []) => ({
  state: { lan: { address: '100.64.8.1/24' } },
  peers: [],
  upstream: { activeId: null, profiles: [], events },
});

/** `status` requests burrowd gets in `ms` while `during` runs. */
async function statusRequestsDuring(burrowd: FakeBurrowd, ms: number, during?: () => Promise<void>): Promise<number> {
  const before = burrowd.requests.get('status') ?? 0;
  await Promise.all([sleep(ms), during?.()]);
  return (burrowd.requests.get('status') ?? 0) - before;
}

test('burrowd is asked about once a second however many streams and readers listen, and rarely when none do', async (t) => {
  await withFakeBurrowd(report(), async (api, burrowd) => {
    const admin = await setupAdmin(api);
    const idle = await statusRequestsDuring(burrowd, 5_000);
    t.log(`no stream: ${idle} status requests in 5 s`);
    t.true(idle <= 1, `${idle} requests while nobody watches`);

    const streams = await Promise.all([1, 2, 3, 4].map(() => openStream(api, admin)));
    await Promise.all(streams.map((stream) => stream.next((event) => event.event === 'gateway', 2_000)));
    // Meanwhile pages and services read too: GET /api/gateway, and sign-ins' certificate checks.
    const readers = async () => {
      for (let i = 0; i < 20; i++) {
        await Promise.all([
          call(api, '/api/gateway', { session: admin }),
          call(api, '/api/gateway', { session: admin }),
        ]);
        await sleep(200);
      }
    };
    const live = await statusRequestsDuring(burrowd, 5_000, readers);
    t.log(`4 streams and 2 readers every 200 ms: ${live} status requests in 5 s`);
    t.true(live >= 3 && live <= 6, `${live} requests in 5 s`);
    streams.forEach((stream) => stream.close());
  });
});

test('the stream sends the gateway at once, then a change within 2 s, and the system figures', async (t) => {
  await withFakeBurrowd(report(), async (api, burrowd) => {
    const admin = await setupAdmin(api);
    const stream = await openStream(api, admin);
    t.is(stream.status, 200);
    const first = await stream.next((event) => event.event === 'gateway', 2_000);
    t.like(first.data, { killSwitch: true, reachable: true });
    const gateway = await call(api, '/api/gateway', { session: admin });
    t.deepEqual(first.data, gateway.body, 'the same body as GET /api/gateway');
    await stream.next((event) => event.event === 'system', 2_000);

    // burrowd's report changes: a failover event.
    let started = Date.now();
    burrowd.status = report([{ at: Date.now(), kind: 'all_failed', from: null, to: null, reason: 'test' }]);
    await stream.next((event) => event.event === 'gateway' && (event.data['events'] as unknown[]).length === 1, 2_000);
    t.log(`burrowd's change on the stream after ${Date.now() - started} ms`);

    // Another session turns the kill switch off through the API.
    const other = await signIn(api, 'admin', ADMIN_PASSWORD);
    started = Date.now();
    const off = await call(api, '/api/gateway/kill-switch', {
      method: 'PUT',
      session: other,
      body: { enabled: false },
    });
    t.is(off.status, 200);
    await stream.next((event) => event.event === 'gateway' && event.data['killSwitch'] === false, 2_000);
    t.log(`kill switch off on the stream after ${Date.now() - started} ms`);
    stream.close();
  });
});

test('a stream ends when its session signs out; without a session there is none', async (t) => {
  await withFakeBurrowd(report(), async (api) => {
    const admin = await setupAdmin(api);
    t.is((await openStream(api, undefined)).status, 401);
    const stream = await openStream(api, admin);
    await stream.next((event) => event.event === 'gateway', 2_000);
    t.is((await call(api, '/api/auth/logout', { method: 'POST', session: admin })).status, 204);
    const started = Date.now();
    await Promise.race([stream.ended, sleep(3_000).then(() => t.fail('the stream is still open after 3 s'))]);
    t.log(`stream ended ${Date.now() - started} ms after sign-out`);
    t.is((await openStream(api, admin)).status, 401);
  });
});

test('a session has at most 4 streams; a fifth is refused with 429 until one closes', async (t) => {
  await withFakeBurrowd(report(), async (api) => {
    const admin = await setupAdmin(api);
    const streams = await Promise.all([1, 2, 3, 4].map(() => openStream(api, admin)));
    t.deepEqual(
      streams.map((stream) => stream.status),
      [200, 200, 200, 200],
    );
    const refused = await fetch(`${api.url}/api/status/stream`, {
      headers: { cookie: `__Host-burrow_session=${admin.token}` },
    });
    t.is(refused.status, 429);
    t.like(await refused.json(), { code: 'too_many_streams' });

    streams[0]!.close();
    await sleep(300);
    const again = await openStream(api, admin);
    t.is(again.status, 200);
    [again, ...streams].forEach((stream) => stream.close());
  });
});

test('a kill switch disarmed from the recovery console comes with the gateway, with the time burrowd re-arms it', async (t) => {
  const until = new Date(Date.now() + 120_000).toISOString();
  await withFakeBurrowd(
    { ...report(), killSwitch: false, killSwitchState: { armed: false, disarmedUntil: until, events: [] } },
    async (api, burrowd) => {
      const admin = await setupAdmin(api);
      const disarmed = await call<{ killSwitch: boolean; killSwitchDisarmedUntil: string | null }>(
        api,
        '/api/gateway',
        {
          session: admin,
        },
      );
      t.is(disarmed.body.killSwitchDisarmedUntil, until);
      t.true(disarmed.body.killSwitch, "the household's own setting stays on");

      burrowd.status = { ...report(), killSwitchState: { armed: true, disarmedUntil: null, events: [] } };
      const stream = await openStream(api, admin);
      // Re-armed by burrowd: the stream says so within its second of polling.
      const armed = await stream.next(
        (event) => event.event === 'gateway' && event.data['killSwitchDisarmedUntil'] === null,
        3_000,
      );
      t.is(armed.data['killSwitch'], true);
    },
  );
});

test('once the API is stopping, a new stream is refused at once (it would hold the closing server open)', async (t) => {
  await withFakeBurrowd(report(), async (api) => {
    const admin = await setupAdmin(api);
    const stream = await openStream(api, admin);
    await stream.next((event) => event.event === 'gateway', 2_000);
    api.app.get(StatusStreamService).endAll();
    await stream.ended;
    const refused = await openStream(api, admin);
    t.teardown(() => refused.close());
    t.is(refused.status, 503);
  });
});
