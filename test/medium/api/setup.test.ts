// First boot: no default password; the setup endpoint creates the first admin once, even under a race.
import test from 'ava';
import { type InProcessApi } from './in-process-api.js';
import { DataSource } from 'typeorm';
import { ADMIN_PASSWORD, call, login, sessionCookieOf, setupAdmin, signIn, withApi } from './session-client.js';

test('no user and no default password: setup creates the first admin and signs them in', async (t) => {
  await withApi({}, async (api) => {
    t.deepEqual((await call(api, '/api/setup')).body, { setupRequired: true });
    for (const password of ['admin', 'password', 'burrow', '']) {
      t.is((await login(api, { username: 'admin', password })).status, 401);
    }

    const reply = await call(api, '/api/setup', {
      method: 'POST',
      body: { username: 'Ada', password: ADMIN_PASSWORD },
    });
    t.is(reply.status, 201);
    t.like(reply.body, {
      user: { username: 'Ada', role: 'admin', disabled: false, totpEnabled: false },
      mustEnrolTotp: false,
    });
    t.regex(String(reply.body.csrfToken), /^[A-Za-z0-9_-]{43}$/);
    const [cookie] = reply.headers.getSetCookie();
    t.regex(cookie ?? '', /^__Host-burrow_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; Secure; SameSite=Strict$/);

    const token = sessionCookieOf(reply.headers);
    const session = await call(api, '/api/auth/session', { headers: { cookie: `__Host-burrow_session=${token}` } });
    t.is(session.status, 200);
    t.like(session.body, { user: { username: 'Ada', role: 'admin' }, csrfToken: reply.body.csrfToken });
    t.deepEqual((await call(api, '/api/setup')).body, { setupRequired: false });
  });
});

test('once any user exists, setup answers 409 setup_done and changes nothing', async (t) => {
  await withApi({}, async (api) => {
    await setupAdmin(api);
    const again = await call(api, '/api/setup', {
      method: 'POST',
      body: { username: 'mallory', password: 'mallory-takes-over-9' },
    });
    t.is(again.status, 409);
    t.like(again.body, { code: 'setup_done' });
    t.is(sessionCookieOf(again.headers), undefined);
    t.deepEqual(await api.app.get(DataSource).query('SELECT username FROM "user"'), [{ username: 'admin' }]);
  });
});

test('setup requests racing each other: exactly one wins', async (t) => {
  await withApi({}, async (api) => {
    const replies = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        call(api, '/api/setup', {
          method: 'POST',
          body: { username: `racer${i}`, password: `racer-password-${i}-xyzzy` },
        }),
      ),
    );
    t.deepEqual(replies.map((reply) => reply.status).sort(), [201, 409, 409, 409, 409, 409]);
    t.deepEqual(await api.app.get(DataSource).query('SELECT count(*) AS n FROM "user"'), [{ n: 1 }]);
  });
});

test('setup refuses a weak password or a bad name with a clear message, and creates nothing', async (t) => {
  await withApi({}, async (api) => {
    const cases = [
      { username: 'admin', password: 'short', code: 'weak_password', message: /at least 10/ },
      { username: 'admin', password: 'password123', code: 'weak_password', message: /common passwords/ },
      { username: 'ad\nmin', password: ADMIN_PASSWORD, code: 'invalid_username', message: /control/ },
      { username: 'x'.repeat(33), password: ADMIN_PASSWORD, code: 'invalid_username', message: /1 to 32/ },
    ];
    for (const { username, password, code, message } of cases) {
      const reply = await call<{ code: string; message: string }>(api, '/api/setup', {
        method: 'POST',
        body: { username, password },
      });
      t.is(reply.status, 400, password);
      t.is(reply.body.code, code);
      t.regex(reply.body.message, message);
    }
    const missing = await call(api, '/api/setup', { method: 'POST', body: { username: 'admin' } });
    t.is(missing.status, 400);
    t.deepEqual((await call(api, '/api/setup')).body, { setupRequired: true });
  });
});

test('the cookie only travels over HTTPS: plain HTTP is redirected unless a trusted TLS proxy forwarded it', async (t) => {
  const setup = (api: InProcessApi, headers: Record<string, string>) =>
    fetch(`${api.httpUrl}/api/setup`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
    });
  await withApi({ trustedProxies: '127.0.0.1' }, async (api) => {
    const reply = await setup(api, {
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'burrow.lan',
      origin: 'https://burrow.lan',
    });
    t.is(reply.status, 201);
    t.regex(reply.headers.getSetCookie()[0] ?? '', /; Secure/);
  });
  await withApi({}, async (api) => {
    const reply = await setup(api, { 'x-forwarded-proto': 'https' });
    t.is(reply.status, 308, 'an untrusted X-Forwarded-Proto does not make plain HTTP secure');
    t.deepEqual(reply.headers.getSetCookie(), []);
    t.deepEqual((await call(api, '/api/setup')).body, { setupRequired: true });
  });
});

test('setup may set the backup passphrase: too short is refused before the account exists; kept as its public side', async (t) => {
  await withApi({}, async (api) => {
    const password = 'admin-pass-7f3k-quartz';
    const short = await call<{ code: string }>(api, '/api/setup', {
      method: 'POST',
      body: { username: 'admin', password, backupPassphrase: 'too short' },
    });
    t.is(short.status, 400);
    t.is(short.body.code, 'backup_passphrase_too_short');
    t.deepEqual((await call(api, '/api/setup')).body, { setupRequired: true });

    const passphrase = 'heron basalt lantern meadow';
    const created = await call(api, '/api/setup', {
      method: 'POST',
      body: { username: 'admin', password, backupPassphrase: passphrase },
    });
    t.is(created.status, 201);
    const admin = await signIn(api, 'admin', password);
    t.like((await call(api, '/api/backups/settings', { session: admin })).body, { passphraseSet: true });
    const stored = JSON.stringify(await api.app.get(DataSource).query('SELECT key, value FROM setting'));
    t.false(stored.includes(passphrase), 'never the passphrase itself');
  });
});
