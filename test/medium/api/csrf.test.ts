// Cross-site request forgery: a browser carrying a valid session cookie must not be usable by another site.
import test from 'ava';
import { request as httpsRequest } from 'node:https';
import { DataSource } from 'typeorm';
import { type InProcessApi } from './in-process-api.js';
import { ADMIN_PASSWORD, call, type Session, setupAdmin, signIn, withApi } from './session-client.js';

const newUser = { username: 'created', password: 'created-user-password-5', role: 'admin' };
const userCount = async (api: InProcessApi) =>
  (await api.app.get(DataSource).query<Array<{ n: number }>>('SELECT count(*) AS n FROM "user"'))[0]?.n;
const createWith = (api: InProcessApi, session: Session, headers: Record<string, string>) =>
  call(api, '/api/users', { method: 'POST', body: newUser, session, headers });

test('a cross-site POST carrying a valid cookie, and even the right CSRF token, is refused', async (t) => {
  await withApi({}, async (api) => {
    const admin = await setupAdmin(api);
    const crossSite: Array<Record<string, string>> = [
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site' },
      { origin: 'https://evil.example' },
      { origin: 'null' },
      // Our own host but another port is another origin.
      { origin: api.url.replace(/:\d+$/, ':1') },
    ];
    for (const headers of crossSite) {
      const reply = await createWith(api, admin, headers);
      t.is(reply.status, 403, JSON.stringify(headers));
      t.like(reply.body, { code: 'cross_site' });
    }
    t.is(await userCount(api), 1);

    const sameOrigin = await createWith(api, admin, { origin: api.url, 'sec-fetch-site': 'same-origin' });
    t.is(sameOrigin.status, 201);
  });
});

/** A POST with a Host header of our choosing, which fetch() would not send. */
function postWithHost(
  api: InProcessApi,
  session: Session,
  headers: Record<string, string>,
): Promise<{ status: number; body: { code?: string } }> {
  const text = JSON.stringify(newUser);
  return new Promise((resolve, reject) => {
    const request = httpsRequest(
      {
        host: '127.0.0.1',
        port: Number(new URL(api.url).port),
        path: '/api/users',
        method: 'POST',
        ca: api.caPem,
        servername: 'localhost',
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(text),
          cookie: `__Host-burrow_session=${session.token}`,
          'x-csrf-token': session.csrfToken,
          ...headers,
        },
      },
      (response) => {
        let received = '';
        response.setEncoding('utf8').on('data', (chunk: string) => (received += chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, body: JSON.parse(received) as { code?: string } }),
        );
      },
    );
    request.on('error', reject);
    request.end(text);
  });
}

test("our own origin comes from the router's names and port, never from the Host header", async (t) => {
  await withApi({}, async (api) => {
    const admin = await setupAdmin(api);
    const port = new URL(api.url).port;
    // DNS rebinding: evil.example resolved to the router, so the browser sends Host and Origin of evil.example.
    for (const host of ['evil.example', `evil.example:${port}`]) {
      const reply = await postWithHost(api, admin, { host, origin: `https://${host}` });
      t.is(reply.status, 403, host);
      t.is(reply.body.code, 'cross_site', host);
    }
    t.is(await userCount(api), 1);
    // The router's own names on the configured port are its origin, whatever Host says.
    const own = await postWithHost(api, admin, { host: 'evil.example', origin: `https://localhost:${port}` });
    t.is(own.status, 201);
    for (const origin of [
      `https://burrow.lan:${port}`,
      `http://127.0.0.1:${port}`,
      'https://127.0.0.1',
      'https://127.0.0.1:1',
    ]) {
      const reply = await createWith(api, admin, { origin });
      t.is(reply.status, origin.startsWith('https://burrow.lan') ? 409 : 403, origin);
    }
  });
});

test("a state-changing request without the session's own CSRF token is refused", async (t) => {
  await withApi({}, async (api) => {
    const admin = await setupAdmin(api);
    const other = await signIn(api, 'admin', ADMIN_PASSWORD);
    for (const token of ['', 'x'.repeat(43), other.csrfToken, admin.csrfToken.slice(0, -1)]) {
      const reply = await createWith(api, admin, { 'x-csrf-token': token });
      t.is(reply.status, 403, token);
      t.like(reply.body, { code: 'csrf_invalid' });
    }
    const none = await fetch(`${api.url}/api/auth/logout`, {
      method: 'POST',
      headers: { cookie: `__Host-burrow_session=${admin.token}` },
    });
    t.is(none.status, 403);
    t.is(await userCount(api), 1);
    // Reads need no token; the session is still there.
    t.is((await call(api, '/api/auth/session', { session: admin })).status, 200);
    t.is((await createWith(api, admin, {})).status, 201);
  });
});

test('bodies must be JSON: form and text posts are refused before they are read', async (t) => {
  await withApi({}, async (api) => {
    const admin = await setupAdmin(api);
    const form = `username=created&password=${encodeURIComponent(newUser.password)}&role=admin`;
    for (const contentType of ['application/x-www-form-urlencoded', 'text/plain', 'multipart/form-data; boundary=x']) {
      const reply = await call(api, '/api/users', {
        method: 'POST',
        body: form,
        session: admin,
        headers: { 'content-type': contentType },
      });
      t.is(reply.status, 415, contentType);
      t.like(reply.body, { code: 'unsupported_media_type' });
    }
    const login = await call(api, '/api/auth/login', {
      method: 'POST',
      body: `username=admin&password=${ADMIN_PASSWORD}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    t.is(login.status, 415);
    t.is(await userCount(api), 1);
  });
});

test('a sign-in posted from another site is refused (login CSRF)', async (t) => {
  await withApi({}, async (api) => {
    await setupAdmin(api);
    const reply = await call(api, '/api/auth/login', {
      method: 'POST',
      body: { username: 'admin', password: ADMIN_PASSWORD },
      headers: { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
    });
    t.is(reply.status, 403);
    t.like(reply.body, { code: 'cross_site' });
    t.deepEqual(reply.headers.getSetCookie(), []);
  });
});
