// GET /metrics: Prometheus text with the router's figures from a fake burrowd, readable with a metrics token or an
// admin session and nothing else; the tokens are created once, listed without themselves, revoked, and audited.
import test from 'ava';
import { DataSource } from 'typeorm';
import { type InProcessApi } from './in-process-api.js';
import {
  call,
  createUser,
  login,
  setupAdmin,
  signIn,
  VIEWER_PASSWORD,
  withApi,
  withFakeBurrowd,
  type Session,
} from './session-client.js';

interface CreatedToken {
  id: number;
  name: string;
  createdAt: string;
  createdBy: string;
  lastUsedAt: string | null;
  token: string;
}

const SELF_TEST_AT = 1_765_400_000_000;

/** burrowd's status as the contract says: two profiles, the second carrying traffic after one failover. */
const routerStatus = () => ({
  state: { lan: { address: '100.64.8.1/24' } },
  killSwitch: true,
  peers: [
    {
      publicKey: 'c2VydmVyLWtleS1ub3QtcmVhbC1qdXN0LWZvci10ZXN0cw==',
      endpoint: '192.0.2.10:51820',
      lastHandshake: new Date(Date.now() - 30_000).toISOString(),
      rxBytes: 123_456,
      txBytes: 654_321,
    },
  ],
  upstream: {
    activeId: 2,
    profiles: [
      { id: 1, name: 'Provider "A"\\', state: 'failed', reason: 'no handshake' },
      { id: 2, name: 'Provider B', state: 'active' },
    ],
    events: [],
    failovers: 3,
  },
  selftest: {
    at: SELF_TEST_AT,
    trigger: 'failover',
    pass: false,
    checks: [
      { name: 'dns_through_tunnel', pass: true, details: 'ok' },
      { name: 'no_leak_when_down', pass: false, details: 'a packet left by the WAN' },
    ],
  },
});

interface Scrape {
  status: number;
  text: string;
  headers: Headers;
}

async function scrape(api: InProcessApi, headers: Record<string, string> = {}): Promise<Scrape> {
  const response = await fetch(`${api.url}/metrics`, { headers });
  return { status: response.status, text: await response.text(), headers: response.headers };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const cookie = (session: Session) => ({ cookie: `__Host-burrow_session=${session.token}` });

/** The value of one series, e.g. `burrow_tunnel_up{profile_id="2",profile="Provider B"}`; undefined if absent. */
function valueOf(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

async function createToken(api: InProcessApi, admin: Session, name: string): Promise<CreatedToken> {
  const reply = await call<CreatedToken>(api, '/api/metrics/tokens', {
    method: 'POST',
    body: { name },
    session: admin,
  });
  if (reply.status !== 201) {
    throw new Error(`creating a token answered ${reply.status}: ${JSON.stringify(reply.body)}`);
  }
  return reply.body;
}

test('/metrics refuses without credentials, with a wrong or revoked token, and for a viewer: 401 with Bearer', async (t) => {
  await withApi({}, async (api) => {
    const admin = await setupAdmin(api);
    await createUser(api, admin, 'vera', VIEWER_PASSWORD, 'viewer');
    const viewer = await signIn(api, 'vera', VIEWER_PASSWORD);
    const revoked = await createToken(api, admin, 'old prometheus');
    t.is((await scrape(api, bearer(revoked.token))).status, 200, 'the token works before it is revoked');
    t.is((await call(api, `/api/metrics/tokens/${revoked.id}`, { method: 'DELETE', session: admin })).status, 204);
    const kept = await createToken(api, admin, 'prometheus');

    const refusals: Array<[string, Record<string, string>]> = [
      ['no credentials', {}],
      ['a wrong token of the right shape', bearer(`burrow_mt_${'A'.repeat(43)}`)],
      [
        'a token with one character changed',
        bearer(`${kept.token.slice(0, -1)}${kept.token.endsWith('A') ? 'B' : 'A'}`),
      ],
      ['a revoked token', bearer(revoked.token)],
      ['a session id as a bearer token', bearer(admin.token)],
      ['an empty bearer', { authorization: 'Bearer ' }],
      ['another scheme', { authorization: `Basic ${Buffer.from(`x:${kept.token}`).toString('base64')}` }],
      ["a viewer's session", cookie(viewer)],
      ['a wrong token next to an admin session', { ...bearer(revoked.token), ...cookie(admin) }],
    ];
    for (const [what, headers] of refusals) {
      const { status, text, headers: answer } = await scrape(api, headers);
      t.is(status, 401, what);
      t.regex(answer.get('www-authenticate') ?? '', /^Bearer\b/, what);
      t.is(answer.get('cache-control'), 'no-store', what);
      t.false(text.includes('burrow_'), `${what}: no figures`);
      t.like(JSON.parse(text), { statusCode: 401, code: 'unauthenticated' }, what);
    }
    t.is((await scrape(api, bearer(kept.token))).status, 200);
    // No token ever reaches the log, accepted or refused.
    const logged = JSON.stringify(api.logs);
    t.false(logged.includes(kept.token.slice('burrow_mt_'.length)));
    t.false(logged.includes(revoked.token.slice('burrow_mt_'.length)));
  });
});

test('/metrics answers a token and an admin session in the Prometheus text format, with burrowd figures', async (t) => {
  await withFakeBurrowd(routerStatus(), async (api, burrowd) => {
    const admin = await setupAdmin(api);
    const { token } = await createToken(api, admin, 'prometheus');

    for (const [who, headers] of [
      ['token', bearer(token)],
      ['admin session', cookie(admin)],
    ] as const) {
      const { status, text, headers: answer } = await scrape(api, headers);
      t.is(status, 200, who);
      t.is(answer.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8', who);
      t.is(answer.get('cache-control'), 'no-store', who);
      t.is(answer.get('x-content-type-options'), 'nosniff', who);
      t.is(valueOf(text, 'burrow_firmware_up'), 1, who);
      t.is(valueOf(text, 'burrow_tunnel_up{profile_id="2",profile="Provider B"}'), 1, who);
      // A name is user text: quotes and backslashes are escaped, so it cannot forge another label or series.
      t.is(valueOf(text, 'burrow_tunnel_up{profile_id="1",profile="Provider \\"A\\"\\\\"}'), 0, who);
      t.is(valueOf(text, 'burrow_tunnel_active{profile_id="2",profile="Provider B"}'), 1, who);
      t.is(valueOf(text, 'burrow_tunnel_active{profile_id="1",profile="Provider \\"A\\"\\\\"}'), 0, who);
      const age = valueOf(text, 'burrow_tunnel_last_handshake_age_seconds{profile_id="2",profile="Provider B"}');
      t.true(age !== undefined && age >= 29 && age < 90, `${who}: handshake age ${age}`);
      t.is(valueOf(text, 'burrow_tunnel_receive_bytes_total{profile_id="2",profile="Provider B"}'), 123_456, who);
      t.is(valueOf(text, 'burrow_tunnel_transmit_bytes_total{profile_id="2",profile="Provider B"}'), 654_321, who);
      t.is(valueOf(text, 'burrow_kill_switch_armed'), 1, who);
      t.is(valueOf(text, 'burrow_selftest_check_pass{check="dns_through_tunnel"}'), 1, who);
      t.is(valueOf(text, 'burrow_selftest_check_pass{check="no_leak_when_down"}'), 0, who);
      t.is(valueOf(text, 'burrow_selftest_pass'), 0, who);
      t.is(valueOf(text, 'burrow_selftest_last_run_timestamp_seconds'), SELF_TEST_AT / 1000, who);
      t.is(valueOf(text, 'burrow_failovers_total'), 3, who);
      t.is(valueOf(text, 'burrow_sessions'), 1, who);
      t.is(valueOf(text, 'burrow_signin_failures_total{reason="wrong_password"}'), 0, who);
      t.true((valueOf(text, 'burrow_api_process_resident_memory_bytes') ?? 0) > 0, who);
      t.regex(text, /^# TYPE burrow_api_process_cpu_user_seconds_total counter$/m, who);
      t.regex(text, /^# HELP burrow_tunnel_up /m, who);
    }

    // The figures follow burrowd: kill switch off, no self-test and no failover count reported yet.
    const changed = routerStatus() as Record<string, unknown>;
    changed['killSwitch'] = false;
    delete changed['selftest'];
    delete (changed['upstream'] as Record<string, unknown>)['failovers'];
    burrowd.status = changed;
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    const later = (await scrape(api, bearer(token))).text;
    t.is(valueOf(later, 'burrow_kill_switch_armed'), 0);
    t.false(later.includes('burrow_selftest_check_pass{'), 'no self-test reported: no check series');
    t.is(valueOf(later, 'burrow_selftest_pass'), undefined);
    t.is(valueOf(later, 'burrow_failovers_total'), undefined);
  });
});

test('without burrowd, /metrics says so and claims nothing about the tunnel or the kill switch', async (t) => {
  await withApi({}, async (api) => {
    const admin = await setupAdmin(api);
    const { status, text } = await scrape(api, cookie(admin));
    t.is(status, 200);
    t.is(valueOf(text, 'burrow_firmware_up'), 0);
    t.is(valueOf(text, 'burrow_kill_switch_armed'), undefined);
    t.false(text.includes('burrow_tunnel_up{'));
    t.is(valueOf(text, 'burrow_sessions'), 1);
  });
});

test('a failed sign-in raises the sign-in failures counter, by reason', async (t) => {
  await withApi({}, async (api) => {
    const admin = await setupAdmin(api);
    const read = async (reason: string) =>
      valueOf((await scrape(api, cookie(admin))).text, `burrow_signin_failures_total{reason="${reason}"}`);
    t.is(await read('wrong_password'), 0);
    t.is(await read('unknown_user'), 0);
    t.is((await login(api, { username: 'admin', password: 'not-the-password-1' })).status, 401);
    t.is((await login(api, { username: 'admin', password: 'not-the-password-2' })).status, 401);
    t.is((await login(api, { username: 'nobody', password: 'not-the-password-3' })).status, 401);
    t.is(await read('wrong_password'), 2);
    t.is(await read('unknown_user'), 1);
  });
});

test('a token is shown once: listed without itself, stored only hashed, last use recorded', async (t) => {
  await withApi({}, async (api) => {
    const admin = await setupAdmin(api);
    const created = await createToken(api, admin, '  prometheus at home  ');
    t.regex(created.token, /^burrow_mt_[A-Za-z0-9_-]{43}$/);
    t.like(created, { name: 'prometheus at home', createdBy: 'admin', lastUsedAt: null });
    const other = await createToken(api, admin, 'grafana agent');
    t.not(other.token, created.token);

    const before = await call(api, '/api/metrics/tokens', { session: admin });
    t.is(before.status, 200);
    t.deepEqual(
      (before.body as unknown as CreatedToken[]).map((token) => Object.keys(token).sort()),
      [
        ['createdAt', 'createdBy', 'id', 'lastUsedAt', 'name'],
        ['createdAt', 'createdBy', 'id', 'lastUsedAt', 'name'],
      ],
    );
    const secretPart = created.token.slice('burrow_mt_'.length);
    t.false(JSON.stringify(before.body).includes(secretPart));
    const rows = await api.app.get(DataSource).query<Array<Record<string, unknown>>>('SELECT * FROM metrics_token');
    t.false(JSON.stringify(rows).includes(secretPart), 'the database holds only the hash');
    t.is(rows.length, 2);

    t.is((await scrape(api, bearer(created.token))).status, 200);
    const after = (await call<CreatedToken[]>(api, '/api/metrics/tokens', { session: admin })).body;
    const used = after.find((token) => token.id === created.id);
    t.truthy(used?.lastUsedAt);
    t.true(Math.abs(Date.parse(used?.lastUsedAt ?? '') - Date.now()) < 10_000);
    t.is(after.find((token) => token.id === other.id)?.lastUsedAt, null);
  });
});

test('only admins create, list and revoke tokens; both are audited; bad names and unknown ids are refused', async (t) => {
  await withApi({}, async (api) => {
    const admin = await setupAdmin(api);
    await createUser(api, admin, 'vera', VIEWER_PASSWORD, 'viewer');
    const viewer = await signIn(api, 'vera', VIEWER_PASSWORD);
    const token = await createToken(api, admin, 'prometheus');

    t.is((await call(api, '/api/metrics/tokens', { session: viewer })).status, 403);
    const sneaky = await call(api, '/api/metrics/tokens', { method: 'POST', body: { name: 'x' }, session: viewer });
    t.is(sneaky.status, 403);
    t.is((await call(api, `/api/metrics/tokens/${token.id}`, { method: 'DELETE', session: viewer })).status, 403);
    t.is((await call(api, '/api/metrics/tokens')).status, 401);

    for (const name of ['', '   ', 'a'.repeat(65), 'tab\there', 'zero\u200bwidth']) {
      const reply = await call(api, '/api/metrics/tokens', { method: 'POST', body: { name }, session: admin });
      t.is(reply.status, 400, JSON.stringify(name));
      t.like(reply.body, { code: 'metrics_token_name_invalid' });
    }
    t.is((await call(api, '/api/metrics/tokens', { method: 'POST', body: {}, session: admin })).status, 400);

    t.is((await call(api, `/api/metrics/tokens/${token.id}`, { method: 'DELETE', session: admin })).status, 204);
    const again = await call(api, `/api/metrics/tokens/${token.id}`, { method: 'DELETE', session: admin });
    t.is(again.status, 404);
    t.deepEqual((await call(api, '/api/metrics/tokens', { session: admin })).body, []);

    const audit = await call<{ events: Array<{ action: string; username: string; target: string }> }>(
      api,
      '/api/audit?username=admin',
      { session: admin },
    );
    const metricsEvents = audit.body.events
      .filter((event) => event.action.startsWith('metrics.'))
      .map(({ action, username, target }) => [action, username, target]);
    t.deepEqual(metricsEvents, [
      ['metrics.token_revoked', 'admin', 'prometheus'],
      ['metrics.token_created', 'admin', 'prometheus'],
    ]);
    t.false(JSON.stringify(audit.body).includes(token.token.slice('burrow_mt_'.length)));
  });
});

test('at most 16 tokens exist at once', async (t) => {
  await withApi({}, async (api) => {
    const admin = await setupAdmin(api);
    for (let index = 0; index < 16; index++) {
      await createToken(api, admin, `scraper ${index}`);
    }
    const reply = await call(api, '/api/metrics/tokens', {
      method: 'POST',
      body: { name: 'one more' },
      session: admin,
    });
    t.is(reply.status, 409);
    t.like(reply.body, { code: 'metrics_token_limit' });
  });
});
