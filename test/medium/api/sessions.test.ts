// Server-side sessions: fixation, hashed storage, sign-out, timeouts, listing and revoking, and the new
// session id that every change of password or role brings.
import { PASSWORD_HASH_OPTIONS } from '@burrow/api/repositories/password-hash.repository';
import test from 'ava';
import { createHash } from 'node:crypto';
import { DataSource } from 'typeorm';
import { type InProcessApi } from './in-process-api.js';
import {
  ADMIN_PASSWORD,
  call,
  createUser,
  login,
  type Session,
  sessionCookieOf,
  setupAdmin,
  signIn,
  VIEWER_PASSWORD,
  withApi,
} from './session-client.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const whoAmI = async (api: InProcessApi, token: string) =>
  call<{ user?: { username: string } }>(api, '/api/auth/session', {
    headers: { cookie: `__Host-burrow_session=${token}` },
  });
const database = (api: InProcessApi) => api.app.get(DataSource);

test('session fixation: an id planted in the browser before sign-in is never promoted', async (t) => {
  await withApi({}, async (api) => {
    await setupAdmin(api);
    // An id the attacker made up and planted (a sibling subdomain can set cookies for the router's name).
    const planted = 'P'.repeat(43);
    const reply = await login(
      api,
      { username: 'admin', password: ADMIN_PASSWORD },
      { cookie: `__Host-burrow_session=${planted}` },
    );
    t.is(reply.status, 200);
    const issued = sessionCookieOf(reply.headers);
    t.truthy(issued);
    t.not(issued, planted);
    t.is((await whoAmI(api, planted)).status, 401);
    t.is((await whoAmI(api, issued ?? '')).status, 200);
  });
});

test("session fixation: signing in over the attacker's own live session does not hand it the victim's rights", async (t) => {
  await withApi({}, async (api) => {
    const admin = await setupAdmin(api);
    await createUser(api, admin, 'mallory', VIEWER_PASSWORD, 'viewer');
    const attacker = await signIn(api, 'mallory', VIEWER_PASSWORD);
    const reply = await login(
      api,
      { username: 'admin', password: ADMIN_PASSWORD },
      { cookie: `__Host-burrow_session=${attacker.token}` },
    );
    t.is(reply.status, 200);
    t.not(sessionCookieOf(reply.headers), attacker.token);
    t.like((await whoAmI(api, attacker.token)).body, { user: { username: 'mallory' } });
  });
});

test('the database holds only the SHA-256 of a session id, never the id', async (t) => {
  await withApi({}, async (api) => {
    const admin = await setupAdmin(api);
    const rows = await database(api).query<Array<Record<string, unknown>>>('SELECT * FROM session');
    t.is(rows.length, 1);
    t.false(JSON.stringify(rows).includes(admin.token));
    t.is(rows[0]?.token_hash, sha256(admin.token));
    t.not(rows[0]?.handle, admin.token);
  });
});

test('sign-out deletes the session and clears the cookie', async (t) => {
  await withApi({}, async (api) => {
    const admin = await setupAdmin(api);
    const reply = await call(api, '/api/auth/logout', { method: 'POST', session: admin });
    t.is(reply.status, 204);
    t.regex(reply.headers.getSetCookie()[0] ?? '', /^__Host-burrow_session=; Path=\/; Expires=Thu, 01 Jan 1970/);
    t.is((await whoAmI(api, admin.token)).status, 401);
    t.deepEqual(await database(api).query('SELECT count(*) AS n FROM session'), [{ n: 0 }]);
    t.is((await call(api, '/api/auth/logout', { method: 'POST', session: admin })).status, 401);
  });
});

test('a session ends after the idle timeout and after the absolute lifetime; admins set both', async (t) => {
  await withApi({}, async (api) => {
    const admin = await setupAdmin(api);
    const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();
    const age = (session: Session, created: string, lastSeen: string) =>
      database(api).query('UPDATE session SET created_at = ?, last_seen_at = ? WHERE token_hash = ?', [
        created,
        lastSeen,
        sha256(session.token),
      ]);

    const idle = await signIn(api, 'admin', ADMIN_PASSWORD);
    await age(idle, ago(31), ago(31));
    t.is((await whoAmI(api, idle.token)).status, 401, 'idle for 31 minutes, default 30');

    const old = await signIn(api, 'admin', ADMIN_PASSWORD);
    await age(old, ago(12 * 60 + 1), ago(0));
    t.is((await whoAmI(api, old.token)).status, 401, 'signed in 12 h 1 min ago, in use all along');

    t.deepEqual((await call(api, '/api/settings/security', { session: admin })).body, {
      idleTimeoutMinutes: 30,
      absoluteLifetimeHours: 12,
      requireTotp: false,
    });
    const settings = { idleTimeoutMinutes: 60, absoluteLifetimeHours: 24, requireTotp: false };
    const put = await call(api, '/api/settings/security', { method: 'PUT', body: settings, session: admin });
    t.is(put.status, 200);
    t.deepEqual(put.body, settings);
    const longer = await signIn(api, 'admin', ADMIN_PASSWORD);
    await age(longer, ago(13 * 60), ago(45));
    t.is((await whoAmI(api, longer.token)).status, 200, 'within the new limits');

    for (const bad of [
      { ...settings, idleTimeoutMinutes: 0 },
      { ...settings, absoluteLifetimeHours: 721 },
      { ...settings, requireTotp: 'yes' },
      { idleTimeoutMinutes: 10 },
    ]) {
      t.is((await call(api, '/api/settings/security', { method: 'PUT', body: bad, session: admin })).status, 400);
    }
  });
});

test('each user lists their own sessions and revokes any of them', async (t) => {
  await withApi({}, async (api) => {
    const admin = await setupAdmin(api);
    const phone = await signIn(api, 'admin', ADMIN_PASSWORD, undefined, { 'user-agent': 'Phone <b>browser</b>' });
    await createUser(api, admin, 'vera', VIEWER_PASSWORD, 'viewer');
    const viewer = await signIn(api, 'vera', VIEWER_PASSWORD);

    const listed = await call<Array<{ id: string; current: boolean; userAgent: string; address: string }>>(
      api,
      '/api/auth/sessions',
      { session: admin },
    );
    t.is(listed.body.length, 2);
    t.is(listed.body.filter((session) => session.current).length, 1);
    t.true(listed.body.every((session) => session.address === '127.0.0.1'));
    t.true(listed.body.some((session) => session.userAgent === 'Phone <b>browser</b>'));
    t.false(JSON.stringify(listed.body).includes(admin.token) || JSON.stringify(listed.body).includes(phone.token));

    const phoneId = listed.body.find((session) => !session.current)?.id ?? '';
    // Another user's session is not theirs to revoke, and does not even exist for them.
    t.is((await call(api, `/api/auth/sessions/${phoneId}`, { method: 'DELETE', session: viewer })).status, 404);
    t.is((await whoAmI(api, phone.token)).status, 200);

    t.is((await call(api, `/api/auth/sessions/${phoneId}`, { method: 'DELETE', session: admin })).status, 204);
    t.is((await whoAmI(api, phone.token)).status, 401);
    t.is((await call(api, `/api/auth/sessions/${phoneId}`, { method: 'DELETE', session: admin })).status, 404);
    t.is((await whoAmI(api, admin.token)).status, 200);
  });
});

test('a password change brings a new session id and ends every other session', async (t) => {
  await withApi({}, async (api) => {
    const admin = await setupAdmin(api);
    const other = await signIn(api, 'admin', ADMIN_PASSWORD);
    const newPassword = 'a-brand-new-passphrase-41';

    const wrong = await call(api, '/api/account/password', {
      method: 'POST',
      body: { currentPassword: 'not-the-password', newPassword },
      session: admin,
    });
    t.is(wrong.status, 400);
    t.like(wrong.body, { code: 'wrong_password' });
    const weak = await call(api, '/api/account/password', {
      method: 'POST',
      body: { currentPassword: ADMIN_PASSWORD, newPassword: 'qwertyuiop' },
      session: admin,
    });
    t.like(weak.body, { code: 'weak_password' });

    const changed = await call<{ csrfToken: string }>(api, '/api/account/password', {
      method: 'POST',
      body: { currentPassword: ADMIN_PASSWORD, newPassword },
      session: admin,
    });
    t.is(changed.status, 200);
    const renewed = sessionCookieOf(changed.headers) ?? '';
    t.not(renewed, admin.token);
    t.not(changed.body.csrfToken, admin.csrfToken);
    t.is((await whoAmI(api, admin.token)).status, 401);
    t.is((await whoAmI(api, other.token)).status, 401);
    t.is((await whoAmI(api, renewed)).status, 200);
    t.is((await login(api, { username: 'admin', password: ADMIN_PASSWORD })).status, 401);
    t.is((await login(api, { username: 'admin', password: newPassword })).status, 200);
  });
});

test('a change of role, a disable or a new password from an admin signs that user out everywhere', async (t) => {
  await withApi({}, async (api) => {
    const admin = await setupAdmin(api);
    const vera = await createUser(api, admin, 'vera', VIEWER_PASSWORD, 'viewer');
    const patch = (body: unknown) => call(api, `/api/users/${vera.id}`, { method: 'PATCH', body, session: admin });

    let session = await signIn(api, 'vera', VIEWER_PASSWORD);
    t.like((await patch({ role: 'admin' })).body, { role: 'admin' });
    t.is((await whoAmI(api, session.token)).status, 401);
    session = await signIn(api, 'vera', VIEWER_PASSWORD);
    t.is(session.user.role, 'admin');

    t.like((await patch({ password: 'vera-new-password-77' })).body, { username: 'vera' });
    t.is((await whoAmI(api, session.token)).status, 401);
    session = await signIn(api, 'vera', 'vera-new-password-77');

    t.like((await patch({ disabled: true })).body, { disabled: true });
    t.is((await whoAmI(api, session.token)).status, 401);
    t.is((await login(api, { username: 'vera', password: 'vera-new-password-77' })).status, 401);

    t.like((await patch({ disabled: false })).body, { disabled: false });
    session = await signIn(api, 'vera', 'vera-new-password-77');
    const again = await signIn(api, 'vera', 'vera-new-password-77');
    t.is((await call(api, `/api/users/${vera.id}/sessions`, { method: 'DELETE', session: admin })).status, 204);
    t.is((await whoAmI(api, session.token)).status, 401);
    t.is((await whoAmI(api, again.token)).status, 401);
    t.is((await whoAmI(api, admin.token)).status, 200);
  });
});

test('a hash made with weaker argon2 parameters is upgraded at the next sign-in', async (t) => {
  await withApi({}, async (api) => {
    await setupAdmin(api);
    // argon2id of 'legacy-user-password-1' at 8 MiB and one pass, as an older release might have stored it.
    const weak = '$argon2id$v=19$m=8192,p=1,t=1$3p5OjC3jSSVzKkWUIjB6zg$UCsnMFcOWv3eINuhfvksh64h5NtoGtSWxX3NZjDBpX4';
    const now = new Date().toISOString();
    await database(api).query(
      'INSERT INTO "user" (username, username_key, password_hash, role, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)',
      ['legacy', 'legacy', weak, 'viewer', now, now],
    );
    await signIn(api, 'legacy', 'legacy-user-password-1');
    // The stored hash names its parameters (argon2's own order: m, p, t).
    const [row] = await database(api).query<Array<{ password_hash: string }>>(
      'SELECT password_hash FROM "user" WHERE username_key = ?',
      ['legacy'],
    );
    const { memoryCost, timeCost, parallelism } = PASSWORD_HASH_OPTIONS;
    t.regex(
      row?.password_hash ?? '',
      new RegExp(`^\\$argon2id\\$v=19\\$m=${memoryCost},p=${parallelism},t=${timeCost}\\$`),
    );
    await signIn(api, 'legacy', 'legacy-user-password-1');
  });
});
