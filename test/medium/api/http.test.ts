// The API over real HTTP with a real database: health, system status, errors, request ids, logging,
// the OpenAPI document and the web page fallback.
import { buildOpenApiDocument } from '@burrow/api/openapi';
import test from 'ava';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { cpus, hostname, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { startInProcessApi, type InProcessApi } from './in-process-api.js';
import { ControlServer } from '@burrow/firmware/control/control-server';
import { setupAdmin, type Session } from './session-client.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
// Read from api/package.json itself rather than from the API's own constant.
const API_PACKAGE = new URL('../package.json', import.meta.resolve('@burrow/api/version'));
const API_VERSION = (JSON.parse(await readFile(API_PACKAGE, 'utf8')) as { version: string }).version;

async function withApi(
  options: Parameters<typeof startInProcessApi>[0],
  run: (api: InProcessApi) => Promise<void>,
): Promise<void> {
  const api = await startInProcessApi(options);
  try {
    await run(api);
  } finally {
    await api.close();
  }
}

/** A request carrying the session cookie (reads need no CSRF token). */
const signedIn = (session: Session): RequestInit => ({ headers: { cookie: `__Host-burrow_session=${session.token}` } });

async function getJson(url: string, init?: RequestInit): Promise<{ status: number; body: unknown; headers: Headers }> {
  const response = await fetch(url, init);
  return { status: response.status, body: await response.json(), headers: response.headers };
}

test('health: database ok, no burrowd yet → 200 degraded, with the release version', async (t) => {
  await withApi({}, async (api) => {
    const { status, body } = await getJson(`${api.url}/api/health`);
    t.is(status, 200);
    t.deepEqual(body, { status: 'degraded', database: 'ok', firmware: 'unavailable', version: API_VERSION });
  });
});

test('health: burrowd answering on its control socket makes firmware ok and the status ok', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'burrow-sock-'));
  const socketPath = join(dir, 'burrowd.sock');
  const refuse = () => Promise.reject(new Error('not in this test'));
  const burrowd = await ControlServer.listen(
    { socketPath, allowedUids: [], log: { warn: () => undefined } },
    { ping: () => Promise.resolve('pong'), apply: refuse, status: refuse, selfTest: refuse, exitCheck: refuse },
  );
  t.teardown(async () => {
    await burrowd.close();
    await rm(dir, { recursive: true, force: true });
  });
  await withApi({ firmwareSocket: socketPath }, async (api) => {
    const { status, body } = await getJson(`${api.url}/api/health`);
    t.is(status, 200);
    t.like(body, { status: 'ok', database: 'ok', firmware: 'ok' });
  });
});

test('health: a socket that does not answer the protocol is not burrowd', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'burrow-sock-'));
  const socketPath = join(dir, 'burrowd.sock');
  const silent = createServer();
  await new Promise<void>((resolve) => silent.listen(socketPath, resolve));
  t.teardown(async () => {
    silent.close();
    await rm(dir, { recursive: true, force: true });
  });
  await withApi({ firmwareSocket: socketPath }, async (api) => {
    t.like((await getJson(`${api.url}/api/health`)).body, { status: 'degraded', firmware: 'unavailable' });
  });
});

test('health: a plain file where the socket should be is not burrowd', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'burrow-sock-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'burrowd.sock'), '');
  await withApi({ firmwareSocket: join(dir, 'burrowd.sock') }, async (api) => {
    t.like((await getJson(`${api.url}/api/health`)).body, { firmware: 'unavailable' });
  });
});

test('health: without its database the API answers 503 in the same shape', async (t) => {
  await withApi({}, async (api) => {
    await api.app.get(DataSource).destroy();
    const { status, body } = await getJson(`${api.url}/api/health`);
    t.is(status, 503);
    t.deepEqual(body, { status: 'degraded', database: 'error', firmware: 'unavailable', version: API_VERSION });
  });
});

test('system status needs a session', async (t) => {
  await withApi({}, async (api) => {
    const { status, body } = await getJson(`${api.url}/api/system/status`);
    t.is(status, 401);
    t.like(body, { statusCode: 401, code: 'unauthenticated' });
    const forged = await getJson(`${api.url}/api/system/status`, {
      headers: { cookie: `__Host-burrow_session=${'A'.repeat(43)}` },
    });
    t.is(forged.status, 401);
  });
});

test('system status describes this machine', async (t) => {
  await withApi({}, async (api) => {
    const session = await setupAdmin(api);
    const before = Date.now();
    const { status, body } = await getJson(`${api.url}/api/system/status`, signedIn(session));
    t.is(status, 200);
    const report = body as {
      hostname: string;
      firmwareVersion: string;
      time: string;
      uptimeSeconds: number;
      load: { one: number; five: number; fifteen: number };
      cpu: { model: string; cores: number; usagePercent: number };
      memory: { totalBytes: number; usedBytes: number; availableBytes: number };
      disk: { path: string; totalBytes: number; usedBytes: number; availableBytes: number };
      temperatureCelsius: number | null;
      interfaces: Array<{
        name: string;
        role: string | null;
        up: boolean;
        mac: string | null;
        addresses: unknown[];
        rxBytes: number;
      }>;
      interfacesSource: string;
    };
    t.is(report.hostname, hostname());
    t.is(report.firmwareVersion, API_VERSION);
    t.true(Math.abs(Date.parse(report.time) - before) < 5000);
    t.true(Number.isInteger(report.uptimeSeconds) && report.uptimeSeconds > 0);
    t.true(report.load.one >= 0 && report.load.five >= 0 && report.load.fifteen >= 0);
    t.is(report.cpu.cores, cpus().length);
    t.true(report.cpu.model.length > 0);
    t.true(report.cpu.usagePercent >= 0 && report.cpu.usagePercent <= 100);
    t.is(report.memory.totalBytes, totalmem());
    t.is(report.memory.usedBytes + report.memory.availableBytes, report.memory.totalBytes);
    t.is(report.disk.path, api.dataDir);
    t.true(report.disk.totalBytes > 0);
    t.true(report.disk.usedBytes > 0 && report.disk.usedBytes <= report.disk.totalBytes);
    t.true(report.disk.availableBytes <= report.disk.totalBytes - report.disk.usedBytes);
    t.true(report.temperatureCelsius === null || (report.temperatureCelsius > -50 && report.temperatureCelsius < 150));

    // No burrowd here: the interfaces are the API host's, without the roles only the router knows.
    t.is(report.interfacesSource, 'api-host');
    const loopback = report.interfaces.find((found) => found.name === 'lo');
    t.like(loopback, { up: true, mac: null, role: null });
    t.deepEqual(loopback?.addresses.slice(0, 1), [{ family: 'ipv4', address: '127.0.0.1', prefixLength: 8 }]);
    t.deepEqual(
      report.interfaces.map((found) => found.name),
      report.interfaces.map((found) => found.name).sort(),
    );
  });
});

test('system status: the loopback counters move when traffic crosses it', async (t) => {
  await withApi({}, async (api) => {
    const session = await setupAdmin(api);
    const loopbackBytes = async () => {
      const { body } = await getJson(`${api.url}/api/system/status`, signedIn(session));
      const { interfaces } = body as { interfaces: Array<{ name: string; rxBytes: number }> };
      return interfaces.find((found) => found.name === 'lo')?.rxBytes ?? NaN;
    };
    const first = await loopbackBytes();
    // The status response itself crossed loopback, so the second reading must be larger.
    t.true((await loopbackBytes()) > first);
  });
});

test('errors are JSON with status, reason, message and the request id from the header', async (t) => {
  await withApi({}, async (api) => {
    const { status, body, headers } = await getJson(`${api.url}/api/no-such-thing`);
    t.is(status, 404);
    t.deepEqual(body, {
      statusCode: 404,
      error: 'Not Found',
      message: 'Cannot GET /api/no-such-thing',
      requestId: headers.get('x-request-id'),
    });
    t.regex(headers.get('x-request-id') ?? '', UUID);
  });
});

test('a malformed JSON body is a 400 in the same error shape', async (t) => {
  await withApi({}, async (api) => {
    const { status, body } = await getJson(`${api.url}/api/health`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"name": ',
    });
    t.is(status, 400);
    t.like(body, { statusCode: 400, error: 'Bad Request' });
    t.regex((body as { requestId: string }).requestId, UUID);
  });
});

test('a deeply nested JSON body is a 400 before validation, logged as a refusal and not as an error', async (t) => {
  await withApi({}, async (api) => {
    const levels = 2000;
    const bodies: Array<[string, string]> = [
      ['arrays', `${'['.repeat(levels)}${']'.repeat(levels)}`],
      ['objects', `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`],
      ['objects in a field', `{"username":"admin","password":${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}}`],
      ['33 levels', `${'['.repeat(33)}${']'.repeat(33)}`],
    ];
    for (const path of ['/api/auth/login', '/api/setup']) {
      for (const [what, body] of bodies) {
        const { status, body: reply } = await getJson(`${api.url}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        });
        t.is(status, 400, `${path} ${what}`);
        t.like(reply, { statusCode: 400, code: 'body_too_deep' }, `${path} ${what}`);
        t.regex((reply as { message: string }).message, /nested more than 32 levels/);
      }
      // Strings and escaped quotes do not count as nesting; 32 levels reach validation, which refuses them.
      const shallow = await getJson(`${api.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: '[[[[{{{{\\"'.repeat(20), password: 42 }),
      });
      t.is(shallow.status, 400);
      t.not((shallow.body as { code?: string }).code, 'body_too_deep');
      const deepest = await getJson(`${api.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: `${'['.repeat(32)}${']'.repeat(32)}`,
      });
      t.is(deepest.status, 400);
      t.not((deepest.body as { code?: string }).code, 'body_too_deep');
    }
    const errors = api.logs.filter((line) => typeof line.level === 'number' && line.level >= 50);
    t.deepEqual(errors, []);
    t.deepEqual((await getJson(`${api.url}/api/setup`)).body, { setupRequired: true });
  });
});

test('a failure inside a route is a 500 that reveals nothing, logged with its request id', async (t) => {
  await withApi({}, async (api) => {
    const session = await setupAdmin(api);
    // The data directory vanishing under the running API: the disk report can no longer be read (the open
    // database handle still answers, so the session is still found).
    await rm(api.dataDir, { recursive: true, force: true });
    const { status, body, headers } = await getJson(`${api.url}/api/system/status`, signedIn(session));
    t.is(status, 500);
    t.deepEqual(body, {
      statusCode: 500,
      error: 'Internal Server Error',
      message: 'Internal server error',
      requestId: headers.get('x-request-id'),
    });
    const logged = api.logs.find((line) => line.msg === 'request failed');
    t.is(logged?.reqId, headers.get('x-request-id'));
    t.like(logged?.err, { code: 'ENOENT' });
  });
});

test('every response carries X-Request-Id; a plain id from a proxy is kept, anything else replaced', async (t) => {
  await withApi({}, async (api) => {
    for (const path of ['/api/health', '/api/openapi.json', '/api/nope', '/']) {
      t.regex((await fetch(`${api.url}${path}`)).headers.get('x-request-id') ?? '', UUID, path);
    }
    const kept = await fetch(`${api.url}/api/health`, { headers: { 'X-Request-Id': 'proxy-7f3a' } });
    t.is(kept.headers.get('x-request-id'), 'proxy-7f3a');
    const replaced = await fetch(`${api.url}/api/health`, { headers: { 'X-Request-Id': 'two words' } });
    t.regex(replaced.headers.get('x-request-id') ?? '', UUID);
  });
});

test('one log line per request with its id; credentials in headers never reach the log', async (t) => {
  await withApi({}, async (api) => {
    const response = await fetch(`${api.url}/api/health`, {
      headers: { Authorization: 'Bearer secret-token-1234', Cookie: 'session=secret-cookie-5678' },
    });
    const requestId = response.headers.get('x-request-id');
    const lines = api.logs.filter((line) => (line.req as { id?: unknown } | undefined)?.id === requestId);
    t.is(lines.length, 1);
    t.like(lines[0], {
      msg: 'request completed',
      req: { method: 'GET', url: '/api/health' },
      res: { statusCode: 200 },
    });
    const everything = JSON.stringify(api.logs);
    t.false(everything.includes('secret-token-1234'));
    t.false(everything.includes('secret-cookie-5678'));
  });
});

test('the OpenAPI document is served and is the one the app builds', async (t) => {
  await withApi({}, async (api) => {
    const { status, body } = await getJson(`${api.url}/api/openapi.json`);
    t.is(status, 200);
    t.deepEqual(body, JSON.parse(JSON.stringify(buildOpenApiDocument(api.app))));
    const document = body as { paths: Record<string, unknown>; info: { version: string } };
    t.deepEqual(Object.keys(document.paths).sort(), [
      '/api/account/password',
      '/api/account/totp',
      '/api/account/totp/confirm',
      '/api/account/totp/enrol',
      '/api/account/totp/recovery-codes',
      '/api/audit',
      '/api/auth/login',
      '/api/auth/logout',
      '/api/auth/session',
      '/api/auth/sessions',
      '/api/auth/sessions/{id}',
      '/api/backups',
      '/api/backups/restore/apply',
      '/api/backups/restore/preview',
      '/api/backups/settings',
      '/api/backups/{id}',
      '/api/backups/{id}/download',
      '/api/certificates',
      '/api/certificates/ca.der',
      '/api/certificates/ca.pem',
      '/api/certificates/import',
      '/api/certificates/renew',
      '/api/certificates/revert',
      '/api/devices',
      '/api/devices/{mac}',
      '/api/events',
      '/api/events/webhook',
      '/api/events/webhook/test',
      '/api/gateway',
      '/api/gateway/exit-check',
      '/api/gateway/kill-switch',
      '/api/health',
      '/api/lan',
      '/api/metrics/tokens',
      '/api/metrics/tokens/{id}',
      '/api/remote-access',
      '/api/remote-access/devices',
      '/api/remote-access/devices/{id}',
      '/api/remote-access/devices/{id}/rekey',
      '/api/remote-access/devices/{id}/traffic',
      '/api/selftest',
      '/api/settings/security',
      '/api/setup',
      '/api/status/stream',
      '/api/system/console-password',
      '/api/system/status',
      '/api/tunnels',
      '/api/tunnels/check',
      '/api/tunnels/{id}',
      '/api/tunnels/{id}/activate',
      '/api/tunnels/{id}/export',
      '/api/tunnels/{id}/traffic',
      '/api/users',
      '/api/users/{id}',
      '/api/users/{id}/sessions',
      '/api/users/{id}/totp',
      '/api/users/{id}/unlock',
      '/metrics',
    ]);
    t.is(document.info.version, API_VERSION);
  });
});

test('every API answer says Cache-Control: no-store, signed in or not, errors included', async (t) => {
  await withApi({}, async (api) => {
    const session = await setupAdmin(api);
    const answers = [
      await fetch(`${api.url}/api/auth/session`, signedIn(session)),
      await fetch(`${api.url}/api/system/status`, signedIn(session)),
      await fetch(`${api.url}/api/users`, signedIn(session)),
      await fetch(`${api.url}/api/health`),
      await fetch(`${api.url}/api/setup`),
      await fetch(`${api.url}/api/system/status`),
      await fetch(`${api.url}/api/nope`),
      await fetch(`${api.url}/api/certificates/ca.pem`),
      await fetch(`${api.url}/metrics`, signedIn(session)),
      await fetch(`${api.url}/metrics`),
    ];
    for (const answer of answers) {
      t.is(answer.headers.get('cache-control'), 'no-store', answer.url);
    }
  });
});

test('security headers are set on every response', async (t) => {
  await withApi({}, async (api) => {
    const { headers } = await fetch(`${api.url}/api/health`);
    t.is(headers.get('x-content-type-options'), 'nosniff');
    t.regex(headers.get('content-security-policy') ?? '', /default-src 'self'/);
    t.regex(headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
    t.is(headers.get('x-frame-options'), 'DENY');
    // No HSTS: a factory reset makes a new CA, which a remembered HSTS policy would lock the browser out of.
    t.is(headers.get('strict-transport-security'), null);
    t.is(headers.get('x-powered-by'), null);
  });
});

test('with a built page: files are served, unknown paths get the page, the API keeps its JSON 404s', async (t) => {
  const uiDir = await mkdtemp(join(tmpdir(), 'burrow-ui-'));
  t.teardown(() => rm(uiDir, { recursive: true, force: true }));
  await mkdir(join(uiDir, 'assets'));
  await writeFile(join(uiDir, 'index.html'), '<!doctype html><title>Burrow</title>');
  await writeFile(join(uiDir, 'assets', 'app.js'), 'console.log("burrow");');
  await withApi({ uiDir }, async (api) => {
    for (const path of ['/', '/tunnels', '/settings/backups']) {
      const response = await fetch(`${api.url}${path}`);
      t.is(response.status, 200, path);
      t.is(await response.text(), '<!doctype html><title>Burrow</title>', path);
    }
    const script = await fetch(`${api.url}/assets/app.js`);
    t.regex(script.headers.get('content-type') ?? '', /javascript/);
    t.is(await script.text(), 'console.log("burrow");');
    for (const path of ['/api/nope', '/api', '/metrics/nope']) {
      const { status, body } = await getJson(`${api.url}${path}`);
      t.is(status, 404, path);
      t.like(body, { statusCode: 404, error: 'Not Found' }, path);
    }
    t.like(await getJson(`${api.url}/metrics`), { status: 401, body: { code: 'unauthenticated' } });
  });
});

test('without a built page the API still runs, says so once, and other paths are JSON 404s', async (t) => {
  await withApi({}, async (api) => {
    const { status, body } = await getJson(`${api.url}/`);
    t.is(status, 404);
    t.like(body, { statusCode: 404, message: 'Cannot GET /' });
    t.is(api.logs.filter((line) => line.msg === 'no built web page found; serving the API only').length, 1);
  });
});
