// The exit check through the API: the URL an admin chooses (nothing by default, also at setup), what burrowd gets
// in the desired state, checking on demand, and burrowd's last result and self-test shown with the gateway.
import test from 'ava';
import { controlBurrowd } from '../../helpers/control-burrowd.js';
import { call, createUser, setupAdmin, signIn, VIEWER_PASSWORD, withApi } from './session-client.js';

const URL = 'https://exit.example.net/ip?token=s3cret';

interface ExitCheckBody {
  url: string | null;
  result: { address: string | null; profileName: string | null; checkedAt: string; error: string | null } | null;
}

test('the exit check is off until an admin chooses a URL; bad URLs are refused with reasons; viewers only read', async (t) => {
  const applied: unknown[] = [];
  const socketPath = await controlBurrowd(t, {
    apply: (state) => {
      applied.push(state);
      return Promise.resolve({ warnings: [] });
    },
    status: () => Promise.resolve({ upstream: { profiles: [], events: [] } }),
  });
  await withApi({ firmwareSocket: socketPath }, async (api) => {
    const admin = await setupAdmin(api);
    await createUser(api, admin, 'vera', VIEWER_PASSWORD, 'viewer');
    const viewer = await signIn(api, 'vera', VIEWER_PASSWORD);
    t.deepEqual((await call(api, '/api/gateway/exit-check', { session: viewer })).body, { url: null, result: null });
    t.false(applied.some((state) => 'exitCheck' in (state as object)));

    for (const [url, reason] of [
      ['ftp://example.net/ip', /start with https:\/\/ or http:\/\//],
      ['https://user:pass@example.net/ip', /user name or password/],
      ['not-a-url', /not a web address/],
      ['https://example.net/my ip', /spaces/],
      [`https://example.net/${'a'.repeat(2100)}`, /longer than 2048/],
    ] as const) {
      const refused = await call<{ code: string; message: string }>(api, '/api/gateway/exit-check', {
        method: 'PUT',
        body: { url },
        session: admin,
      });
      t.is(refused.status, 400, url);
      if (url.length < 2048) {
        t.is(refused.body.code, 'invalid_exit_check_url');
        t.regex(refused.body.message, reason);
      }
    }
    t.is(
      (await call(api, '/api/gateway/exit-check', { method: 'PUT', body: { url: URL }, session: viewer })).status,
      403,
    );

    const set = await call<ExitCheckBody>(api, '/api/gateway/exit-check', {
      method: 'PUT',
      body: { url: ` ${URL} ` },
      session: admin,
    });
    t.is(set.status, 200);
    t.is(set.body.url, URL);
    t.like(applied.at(-1), { exitCheck: { url: URL } });
    // Audited without the URL, whose query may hold a token.
    const audit = await call<{ events: Array<{ details: unknown }> }>(
      api,
      '/api/audit?action=gateway.exit_check_changed',
      { session: admin },
    );
    t.deepEqual(
      audit.body.events.map((event) => event.details),
      [{ enabled: true }],
    );
    t.false(JSON.stringify(audit.body).includes('s3cret'));

    // Off again: burrowd's next state has no exit check.
    await call(api, '/api/gateway/exit-check', { method: 'PUT', body: { url: '' }, session: admin });
    t.false('exitCheck' in (applied.at(-1) as object));
  });
});

test('checking now: refused while off, burrowd answers the address through the tunnel, or why it could not', async (t) => {
  let answer: () => Promise<unknown> = () =>
    Promise.resolve({ url: URL, address: '203.0.113.1', checkedAt: Date.now(), profileId: 7, error: null });
  const socketPath = await controlBurrowd(t, {
    apply: () => Promise.resolve({ warnings: [] }),
    status: () =>
      Promise.resolve({
        upstream: { activeId: 7, profiles: [{ id: 7, name: 'Home VPN', state: 'active' }], events: [] },
      }),
    exitCheck: () => answer(),
  });
  await withApi({ firmwareSocket: socketPath }, async (api) => {
    const admin = await setupAdmin(api);
    const off = await call<{ code: string }>(api, '/api/gateway/exit-check', { method: 'POST', session: admin });
    t.is(off.status, 409);
    t.is(off.body.code, 'exit_check_off');

    await call(api, '/api/gateway/exit-check', { method: 'PUT', body: { url: URL }, session: admin });
    const checked = await call<ExitCheckBody['result']>(api, '/api/gateway/exit-check', {
      method: 'POST',
      session: admin,
    });
    t.is(checked.status, 200);
    t.like(checked.body, { address: '203.0.113.1', profileName: 'Home VPN', error: null });

    answer = () => Promise.reject(new Error('the tunnel is down: nothing was fetched'));
    const failed = await call<{ code: string; message: string }>(api, '/api/gateway/exit-check', {
      method: 'POST',
      session: admin,
    });
    t.is(failed.status, 503);
    t.is(failed.body.code, 'exit_check_failed');
    t.regex(failed.body.message, /tunnel is down/);
  });
});

test("burrowd's last exit check and self-test come with the gateway (for the live stream) and GET /api/selftest", async (t) => {
  const checkedAt = Date.parse('2026-12-02T10:00:00Z');
  const selftestAt = Date.parse('2026-12-02T10:00:05Z');
  const socketPath = await controlBurrowd(t, {
    apply: () => Promise.resolve({ warnings: [] }),
    status: () =>
      Promise.resolve({
        upstream: { activeId: 2, profiles: [{ id: 2, name: 'Backup server', state: 'active' }], events: [] },
        exitCheck: { url: URL, address: '203.0.113.2', checkedAt, profileId: 2, error: null },
        selftest: {
          at: selftestAt,
          trigger: 'failover',
          pass: false,
          checks: [{ name: 'leak-probe', pass: false, details: 'a LAN packet left through wan0' }],
        },
      }),
  });
  await withApi({ firmwareSocket: socketPath }, async (api) => {
    const admin = await setupAdmin(api);
    const before = await call<{ exitCheck: unknown; selfTest: unknown }>(api, '/api/gateway', { session: admin });
    // The check is off in this API's settings: a result burrowd still holds is not shown.
    t.is(before.body.exitCheck, null);
    t.deepEqual(before.body.selfTest, {
      at: new Date(selftestAt).toISOString(),
      trigger: 'failover',
      pass: false,
      checks: [{ name: 'leak-probe', pass: false, details: 'a LAN packet left through wan0' }],
    });
    t.deepEqual((await call(api, '/api/selftest', { session: admin })).body, { last: before.body.selfTest });

    await call(api, '/api/gateway/exit-check', { method: 'PUT', body: { url: URL }, session: admin });
    const after = await call<{ exitCheck: unknown }>(api, '/api/gateway', { session: admin });
    t.deepEqual(after.body.exitCheck, {
      url: URL,
      address: '203.0.113.2',
      checkedAt: new Date(checkedAt).toISOString(),
      profileId: 2,
      profileName: 'Backup server',
      error: null,
    });
  });
});

test('setup can choose the exit check; a bad URL there is refused before the account exists', async (t) => {
  await withApi({}, async (api) => {
    const refused = await call<{ code: string }>(api, '/api/setup', {
      method: 'POST',
      body: { username: 'admin', password: 'admin-pass-7f3k-quartz', exitCheckUrl: 'gopher://x' },
    });
    t.is(refused.status, 400);
    t.is(refused.body.code, 'invalid_exit_check_url');
    t.deepEqual((await call(api, '/api/setup')).body, { setupRequired: true });

    const created = await call(api, '/api/setup', {
      method: 'POST',
      body: { username: 'admin', password: 'admin-pass-7f3k-quartz', exitCheckUrl: 'https://api.ipify.org/' },
    });
    t.is(created.status, 201);
    const admin = await signIn(api, 'admin', 'admin-pass-7f3k-quartz');
    t.is(
      (await call<{ url: string }>(api, '/api/gateway/exit-check', { session: admin })).body.url,
      'https://api.ipify.org/',
    );
  });
});
