// Cross-site request forgery: a browser carrying a valid session cookie must not be usable by another site.
import test from 'ava';
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
