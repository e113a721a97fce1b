// The router's own figures through the API: the self-test (POST /api/selftest, its last result at GET) and the
// Status page's interfaces, from a fake burrowd on a control socket, or from the API host when none answers.
import test from 'ava';
import { controlBurrowd as fakeBurrowd } from '../../helpers/control-burrowd.js';
import { call, createUser, setupAdmin, signIn, VIEWER_PASSWORD, withApi } from './session-client.js';

const CHECKS = [
  { name: 'ruleset', pass: true, details: 'the kill-switch table is loaded (abc)' },
  { name: 'handshake', pass: false, details: 'no tunnel is configured' },
  { name: 'ipv6', pass: true, details: 'no tunnel is configured: LAN IPv6 is unreachable, so none leaks' },
];

const WAN0 = {
  name: 'wan0',
  kind: 'veth',
  role: 'wan',
  up: true,
  mac: 'e2:ce:78:0a:78:6b',
  mtu: 1500,
  addresses: [{ family: 'ipv4', address: '198.51.100.2', prefixLength: 24 }],
  rxBytes: 1000,
  txBytes: 2000,
  rxPackets: 10,
  txPackets: 20,
  rxErrors: 0,
  txErrors: 0,
};

test('without burrowd: POST /api/selftest is 503 firmware_unavailable and nothing is kept', async (t) => {
  await withApi({}, async (api) => {
    const admin = await setupAdmin(api);
    const refused = await call<{ code: string; message: string }>(api, '/api/selftest', {
      method: 'POST',
      session: admin,
    });
    t.is(refused.status, 503);
    t.is(refused.body.code, 'firmware_unavailable');
    t.regex(refused.body.message, /burrowd/);
    t.deepEqual((await call(api, '/api/selftest', { session: admin })).body, { last: null });
  });
});

test('without burrowd: the status page shows the API host interfaces, and says so', async (t) => {
  await withApi({}, async (api) => {
    const admin = await setupAdmin(api);
    const { body } = await call<{ interfacesSource: string; interfaces: Array<{ name: string; role: unknown }> }>(
      api,
      '/api/system/status',
      { session: admin },
    );
    t.is(body.interfacesSource, 'api-host');
    t.like(
      body.interfaces.find((nic) => nic.name === 'lo'),
      { role: null, mtu: null },
    );
  });
});

test("with burrowd: the self-test's checks with their time, kept for GET; viewers read but may not run it", async (t) => {
  let runs = 0;
  const socketPath = await fakeBurrowd(t, {
    selfTest: () => {
      runs += 1;
      return Promise.resolve({ checks: CHECKS });
    },
  });
  await withApi({ firmwareSocket: socketPath }, async (api) => {
    const admin = await setupAdmin(api);
    await createUser(api, admin, 'vera', VIEWER_PASSWORD, 'viewer');
    const viewer = await signIn(api, 'vera', VIEWER_PASSWORD);
    const before = Date.now();
    const ran = await call<{ at: string; pass: boolean; checks: unknown[] }>(api, '/api/selftest', {
      method: 'POST',
      session: admin,
    });
    t.is(ran.status, 200);
    t.deepEqual(ran.body.checks, CHECKS);
    t.false(ran.body.pass);
    t.true(Math.abs(Date.parse(ran.body.at) - before) < 5000);
    t.is(runs, 1);

    t.is((await call(api, '/api/selftest', { method: 'POST', session: viewer })).status, 403);
    t.is(runs, 1);
    const last = await call(api, '/api/selftest', { session: viewer });
    t.is(last.status, 200);
    t.deepEqual(last.body, { last: ran.body });
  });
});

test("with burrowd: the status page's interfaces are the router's, with their roles", async (t) => {
  const socketPath = await fakeBurrowd(t, {
    status: () => Promise.resolve({ interfaces: [WAN0], upstream: { profiles: [], events: [] } }),
  });
  await withApi({ firmwareSocket: socketPath }, async (api) => {
    const admin = await setupAdmin(api);
    const { body } = await call<{ interfacesSource: string; interfaces: unknown[] }>(api, '/api/system/status', {
      session: admin,
    });
    t.is(body.interfacesSource, 'router');
    t.deepEqual(body.interfaces, [
      {
        name: 'wan0',
        role: 'wan',
        mac: 'e2:ce:78:0a:78:6b',
        mtu: 1500,
        up: true,
        addresses: [{ family: 'ipv4', address: '198.51.100.2', prefixLength: 24 }],
        rxBytes: 1000,
        txBytes: 2000,
        rxPackets: 10,
        txPackets: 20,
        rxErrors: 0,
        txErrors: 0,
      },
    ]);
  });
});
