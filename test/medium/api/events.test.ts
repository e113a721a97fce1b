// Events: what the household is told about, recorded once each (from the API's own actions and from burrowd's
// reports, faked on its socket), kept bounded, pushed on the live stream, and POSTed to a real local webhook
// with retries that never hold anything up.
import { EventWebhookService, WEBHOOK_TIMING } from '@burrow/api/services/event-webhook.service';
import { EVENT_RETENTION, EventService } from '@burrow/api/services/event.service';
import { GatewayEventsService } from '@burrow/api/services/gateway-events.service';
import { StatusHubService } from '@burrow/api/services/status-hub.service';
import test from 'ava';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import { type InProcessApi } from './in-process-api.js';
import {
  ADMIN_PASSWORD,
  call,
  createUser,
  type Session,
  setupAdmin,
  signIn,
  VIEWER_PASSWORD,
  withApi,
  withFakeBurrowd,
} from './session-client.js';
import { openStream } from './sse-client.js';

interface EventBody {
  id: number;
  at: string;
  kind: string;
  severity: string;
  message: string;
  details: Record<string, unknown>;
}

interface WebhookBody {
  url: string;
  lastDelivery: { at: string; ok: boolean; status: number | null; error: string | null; final: boolean } | null;
  pending: number;
}

const PROFILES = [
  { id: 1, name: 'Home VPN A', state: 'failed', reason: 'no answer', failedAt: 1, retryAt: 2 },
  { id: 2, name: 'Home VPN B', state: 'active', reason: null, failedAt: null, retryAt: null },
];

const report = (upstream: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) => ({
  state: { lan: { address: '100.64.8.1/24' } },
  peers: [],
  upstream: { activeId: null, profiles: [], events: [], ...upstream },
  ...extra,
});

/** A profile carries the household's traffic. */
const CARRYING = { activeId: 1, profiles: [{ id: 1, name: 'Home', state: 'active' }] };

const listEvents = async (api: InProcessApi, session: Session) => {
  const reply = await call<{ events: EventBody[] }>(api, '/api/events?limit=200', { session });
  return reply.body.events;
};

interface Received {
  method: string;
  contentType: string | undefined;
  body: Record<string, unknown>;
}

/** A webhook on 127.0.0.1 that answers each POST as `answer` decides (a status, after whatever it awaits). */
async function startReceiver(answer: (index: number) => number | Promise<number>) {
  const received: Received[] = [];
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    request.on('end', () => {
      const index = received.length;
      received.push({
        method: request.method ?? '',
        contentType: request.headers['content-type'],
        body: JSON.parse(text) as Record<string, unknown>,
      });
      void Promise.resolve(answer(index)).then((status) => response.writeHead(status).end('{}'));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    /** With a token in the query, as Gotify takes it: it must never reach a log. */
    url: `http://127.0.0.1:${port}/hook?token=sekrit-token-42`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function eventually<T>(
  what: string,
  timeoutMs: number,
  probe: () => T | undefined | Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error(`${what}: not within ${timeoutMs} ms`);
    }
    await sleep(50);
  }
}

test('turning the kill switch off records a warning event, and on again an info one; viewers read the list', async (t) => {
  await withApi({}, async (api) => {
    const admin = await setupAdmin(api);
    await createUser(api, admin, 'vera', VIEWER_PASSWORD, 'viewer');
    const viewer = await signIn(api, 'vera', VIEWER_PASSWORD);
    const body = (enabled: boolean) => ({ method: 'PUT', session: admin, body: { enabled } });
    t.is((await call(api, '/api/gateway/kill-switch', body(false))).status, 200);
    // Setting what is already set changes nothing, so it tells nothing.
    t.is((await call(api, '/api/gateway/kill-switch', body(false))).status, 200);
    t.is((await call(api, '/api/gateway/kill-switch', body(true))).status, 200);
    const events = (await listEvents(api, viewer)).filter((event) => event.kind.startsWith('kill_switch.'));
    t.deepEqual(
      events.map(({ kind, severity }) => ({ kind, severity })),
      [
        { kind: 'kill_switch.on', severity: 'info' },
        { kind: 'kill_switch.off', severity: 'warning' },
      ],
      'newest first',
    );
    t.regex(events[1]!.message, /admin turned the kill switch off/);
    t.like(events[1]!.details, { by: 'admin' });
    t.is((await call(api, '/api/events', {})).status, 401);
    t.is((await call(api, '/api/events?limit=0', { session: viewer })).status, 400);
  });
});

test("burrowd's failover is one event however often it is read; all-failed is told once until a profile answers", async (t) => {
  await withFakeBurrowd(report(), async (api, burrowd) => {
    const admin = await setupAdmin(api);
    const watcher = api.app.get(GatewayEventsService);
    const hub = api.app.get(StatusHubService);
    const tunnelEvents = async () =>
      (await listEvents(api, admin)).filter((event) => event.kind.startsWith('tunnel.')).reverse();
    const start = Date.now() - 60_000;
    const failedOver = {
      at: start,
      kind: 'failed_over',
      from: 1,
      to: 2,
      reason: 'no answer through the tunnel for 20 s',
    };
    burrowd.status = report({ activeId: 2, profiles: PROFILES, events: [failedOver] });
    for (let i = 0; i < 3; i++) {
      await watcher.record(await hub.read(0));
    }
    let events = await tunnelEvents();
    t.is(events.length, 1, JSON.stringify(events));
    t.like(events[0], {
      kind: 'tunnel.failover',
      severity: 'warning',
      at: new Date(start).toISOString(),
      details: { from: 'Home VPN A', to: 'Home VPN B', reason: 'no answer through the tunnel for 20 s' },
    });
    t.regex(events[0]!.message, /from Home VPN A to Home VPN B/);

    // Everything fails: burrowd says so again every time the last profile stays silent.
    const allFailed = (at: number) => ({ at, kind: 'all_failed', from: 2, to: 2, reason: 'every profile has failed' });
    const connecting = PROFILES.map((profile) => ({ ...profile, state: profile.id === 2 ? 'connecting' : 'failed' }));
    burrowd.status = report({ activeId: 2, profiles: connecting, events: [failedOver, allFailed(start + 1_000)] });
    await watcher.record(await hub.read(0));
    burrowd.status = report({
      activeId: 2,
      profiles: connecting,
      events: [failedOver, allFailed(start + 1_000), allFailed(start + 2_000)],
    });
    await watcher.record(await hub.read(0));
    events = await tunnelEvents();
    t.deepEqual(
      events.map((event) => event.kind),
      ['tunnel.failover', 'tunnel.down'],
    );
    t.is(events[1]!.severity, 'critical');

    // B answers again: the tunnel is back, told once.
    burrowd.status = report({
      activeId: 2,
      profiles: PROFILES,
      events: [failedOver, allFailed(start + 1_000), allFailed(start + 2_000)],
    });
    await watcher.record(await hub.read(0));
    await watcher.record(await hub.read(0));
    events = await tunnelEvents();
    t.deepEqual(
      events.map((event) => event.kind),
      ['tunnel.failover', 'tunnel.down', 'tunnel.recovered'],
    );
  });
});

test("a failing self-test in burrowd's report is told once per result, and passing again after it", async (t) => {
  await withFakeBurrowd(report(), async (api, burrowd) => {
    const admin = await setupAdmin(api);
    const watcher = api.app.get(GatewayEventsService);
    const hub = api.app.get(StatusHubService);
    const selfTestEvents = async () =>
      (await listEvents(api, admin)).filter((event) => event.kind.startsWith('selftest.')).reverse();
    const checks = (pass: boolean) => [
      { name: 'kill_switch', pass, details: pass ? 'in place' : 'LAN traffic leaves outside the tunnel' },
      { name: 'dns', pass: true, details: 'answers' },
    ];
    const at = Date.now() - 10_000;
    // A box with a tunnel profile: without one, the self-test fails by design and is not told.
    // No self-test in the report (an older burrowd): nothing, and nothing breaks.
    await watcher.record(await hub.read(0));
    burrowd.status = report(CARRYING, { selftest: { at, trigger: 'failover', pass: false, checks: checks(false) } });
    await watcher.record(await hub.read(0));
    await watcher.record(await hub.read(0));
    let events = await selfTestEvents();
    t.is(events.length, 1);
    t.like(events[0], { kind: 'selftest.failed', severity: 'critical', at: new Date(at).toISOString() });
    t.like(events[0]!.details, {
      trigger: 'failover',
      failed: 'kill_switch',
      why: 'LAN traffic leaves outside the tunnel',
    });

    burrowd.status = report(CARRYING, {
      selftest: { at: at + 1, trigger: 'request', pass: true, checks: checks(true) },
    });
    await watcher.record(await hub.read(0));
    burrowd.status = report(CARRYING, {
      selftest: { at: at + 2, trigger: 'change', pass: true, checks: checks(true) },
    });
    await watcher.record(await hub.read(0));
    events = await selfTestEvents();
    t.deepEqual(
      events.map((event) => event.kind),
      ['selftest.failed', 'selftest.passed'],
    );
  });
});

test('the list keeps the newest 1,000 events', async (t) => {
  await withApi({}, async (api) => {
    const admin = await setupAdmin(api);
    const events = api.app.get(EventService);
    for (let i = 0; i < EVENT_RETENTION + 5; i++) {
      await events.record({ kind: 'kill_switch.on', severity: 'info', message: `number ${i}` });
    }
    const [row] = await api.app.get(DataSource).query<Array<{ n: number }>>('SELECT count(*) AS n FROM event');
    t.is(row?.n, EVENT_RETENTION);
    const newest = await listEvents(api, admin);
    t.is(newest[0]!.message, `number ${EVENT_RETENTION + 4}`);
    t.is(newest.length, 200);
  });
});

test('the webhook: admins set it, a test POSTs the event as JSON to it, and viewers can neither read nor set it', async (t) => {
  const receiver = await startReceiver(() => 204);
  t.teardown(() => receiver.close());
  await withApi({}, async (api) => {
    const admin = await setupAdmin(api);
    await createUser(api, admin, 'vera', VIEWER_PASSWORD, 'viewer');
    const viewer = await signIn(api, 'vera', VIEWER_PASSWORD);

    t.deepEqual((await call(api, '/api/events/webhook', { session: admin })).body, {
      url: '',
      lastDelivery: null,
      pending: 0,
    });
    const notSet = await call(api, '/api/events/webhook/test', { method: 'POST', session: admin });
    t.is(notSet.status, 409);
    t.like(notSet.body, { code: 'webhook_not_set' });
    for (const url of ['ftp://127.0.0.1/x', 'http://user:pass@127.0.0.1/x', 'nope', 'x'.repeat(2049)]) {
      const refused = await call(api, '/api/events/webhook', { method: 'PUT', session: admin, body: { url } });
      t.is(refused.status, 400, url);
    }

    const set = await call<WebhookBody>(api, '/api/events/webhook', {
      method: 'PUT',
      session: admin,
      body: { url: receiver.url },
    });
    t.is(set.status, 200);
    t.is(set.body.url, receiver.url);

    t.is((await call(api, '/api/events/webhook', { session: viewer })).status, 403);
    const viewerPut = await call(api, '/api/events/webhook', { method: 'PUT', session: viewer, body: { url: '' } });
    t.is(viewerPut.status, 403);
    t.is((await call(api, '/api/events/webhook/test', { method: 'POST', session: viewer })).status, 403);
    t.is(receiver.received.length, 0, 'nothing sent by a viewer');

    const tested = await call(api, '/api/events/webhook/test', { method: 'POST', session: admin });
    t.is(tested.status, 200);
    t.like(tested.body, { ok: true, status: 204, error: null, kind: 'webhook.test', attempt: 1 });
    t.is(receiver.received.length, 1);
    const [sent] = receiver.received;
    t.is(sent!.method, 'POST');
    t.is(sent!.contentType, 'application/json');
    t.like(sent!.body, { kind: 'webhook.test', severity: 'info', details: {} });
    t.true(typeof sent!.body['router'] === 'string' && sent!.body['router'] !== '');
    t.true(typeof sent!.body['message'] === 'string');
    t.false(Number.isNaN(Date.parse(String(sent!.body['at']))));
    t.like((await call(api, '/api/events/webhook', { session: admin })).body, { lastDelivery: { ok: true } });
    t.false(
      (await listEvents(api, admin)).some((event) => event.kind === 'webhook.test'),
      'a test is sent, not listed',
    );

    // A recorded event goes out by itself, with the same fields as the list shows.
    t.is(
      (await call(api, '/api/gateway/kill-switch', { method: 'PUT', session: admin, body: { enabled: false } })).status,
      200,
    );
    const delivered = await eventually('the kill-switch event at the webhook', 3_000, () =>
      receiver.received.find((request) => request.body['kind'] === 'kill_switch.off'),
    );
    const listed = (await listEvents(api, admin)).find((event) => event.kind === 'kill_switch.off')!;
    t.like(delivered.body, { severity: 'warning', at: listed.at, message: listed.message, details: listed.details });

    const audit = await call<{ events: Array<{ action: string; details: Record<string, unknown> }> }>(
      api,
      '/api/audit?action=events.webhook_changed',
      { session: admin },
    );
    t.deepEqual(audit.body.events[0]?.details, { enabled: true, host: new URL(receiver.url).host });
    t.false(JSON.stringify(audit.body).includes('sekrit'), 'the token is not in the audit log');

    const cleared = await call<WebhookBody>(api, '/api/events/webhook', {
      method: 'PUT',
      session: admin,
      body: { url: '' },
    });
    t.is(cleared.body.url, '');
    t.false(JSON.stringify(api.logs).includes('sekrit'), 'the token never reaches the log');
  });
});

test('a webhook answering 500 gets the event again on a retry, and the failure shows meanwhile', async (t) => {
  let releaseSecond!: () => void;
  const secondMayAnswer = new Promise<void>((resolve) => (releaseSecond = resolve));
  const receiver = await startReceiver(async (index) => {
    if (index === 0) {
      return 500;
    }
    await secondMayAnswer;
    return 200;
  });
  t.teardown(() => receiver.close());
  await withApi({}, async (api) => {
    const admin = await setupAdmin(api);
    api.app.get(EventWebhookService).timing = { ...WEBHOOK_TIMING, retryDelaysMs: [200, 200] };
    await call(api, '/api/events/webhook', { method: 'PUT', session: admin, body: { url: receiver.url } });
    await call(api, '/api/gateway/kill-switch', { method: 'PUT', session: admin, body: { enabled: false } });

    await eventually('the retry', 3_000, () => (receiver.received.length >= 2 ? true : undefined));
    // The retry is out and not answered yet: the page sees the first attempt's failure.
    const failing = await call<WebhookBody>(api, '/api/events/webhook', { session: admin });
    t.like(failing.body, {
      pending: 1,
      lastDelivery: { ok: false, status: 500, error: 'it answered HTTP 500', final: false },
    });
    releaseSecond();
    const settled = await eventually('the retry answered', 3_000, async () => {
      const reply = await call<WebhookBody>(api, '/api/events/webhook', { session: admin });
      return reply.body.lastDelivery?.ok ? reply.body : undefined;
    });
    t.like(settled, { pending: 0, lastDelivery: { ok: true, status: 200, error: null } });
    t.is(receiver.received.length, 2);
    t.deepEqual(receiver.received[1]!.body, receiver.received[0]!.body, 'the same event again');
    t.is(receiver.received[1]!.body['kind'], 'kill_switch.off');
  });
});

test('a webhook that never answers holds nothing up, and gives up after the last retry', async (t) => {
  const receiver = await startReceiver(() => new Promise<number>(() => undefined));
  t.teardown(() => receiver.close());
  await withApi({}, async (api) => {
    const admin = await setupAdmin(api);
    const webhook = api.app.get(EventWebhookService);
    webhook.timing = { ...WEBHOOK_TIMING, timeoutMs: 300, retryDelaysMs: [100] };
    await call(api, '/api/events/webhook', { method: 'PUT', session: admin, body: { url: receiver.url } });

    const off = await call(api, '/api/gateway/kill-switch', {
      method: 'PUT',
      session: admin,
      body: { enabled: false },
    });
    t.is(off.status, 200);
    await eventually('the POST at the webhook', 2_000, () => (receiver.received.length > 0 ? true : undefined));
    const started = Date.now();
    const recorded = await api.app.get(EventService).record({ kind: 'kill_switch.on', severity: 'info', message: 'x' });
    const took = Date.now() - started;
    t.truthy(recorded);
    t.true(took < 250, `recording took ${took} ms while the webhook hung`);

    const given = await eventually('giving up', 5_000, async () => {
      const reply = await call<WebhookBody>(api, '/api/events/webhook', { session: admin });
      return reply.body.pending === 0 ? reply.body : undefined;
    });
    t.like(given.lastDelivery, { ok: false, status: null, error: 'no answer within 300 ms', final: true });
    t.is(receiver.received.length, 4, 'two events, each tried twice');
  });
});

test('the status stream carries each new event as it is recorded', async (t) => {
  await withApi({}, async (api) => {
    const admin = await setupAdmin(api);
    const stream = await openStream(api, admin);
    t.teardown(() => stream.close());
    t.is(stream.status, 200);
    await stream.next((event) => event.event === 'gateway', 2_000);
    const other = await signIn(api, 'admin', ADMIN_PASSWORD);
    await call(api, '/api/gateway/kill-switch', { method: 'PUT', session: other, body: { enabled: false } });
    const pushed = await stream.next((event) => event.event === 'event', 2_000);
    const listed = (await listEvents(api, admin)).find((event) => event.kind === 'kill_switch.off');
    t.deepEqual(pushed.data, listed as unknown as Record<string, unknown>, 'the same item as GET /api/events');
  });
});

test("a real user's name locking is told, a made-up name's is not; a renewed certificate is told", async (t) => {
  await withApi({}, async (api) => {
    const admin = await setupAdmin(api);
    for (const username of ['admin', 'nobody-here']) {
      for (let i = 0; i < 5; i++) {
        await call(api, '/api/auth/login', { method: 'POST', body: { username, password: 'wrong-password-123' } });
      }
    }
    t.is((await call(api, '/api/certificates/renew', { method: 'POST', session: admin })).status, 200);
    const events = await listEvents(api, admin);
    const lockouts = events.filter((event) => event.kind === 'signin.lockout');
    t.is(lockouts.length, 1, JSON.stringify(lockouts));
    t.like(lockouts[0], { severity: 'warning', details: { username: 'admin' } });
    t.false(JSON.stringify(events).includes('nobody-here'));
    t.like(
      events.find((event) => event.kind === 'certificate.renewed'),
      { severity: 'info', details: { reason: 'requested' } },
    );
  });
});
