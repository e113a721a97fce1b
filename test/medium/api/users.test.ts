// Admins managing users: names unique regardless of case, shown as given, and the last enabled admin kept.
import test from 'ava';
import { DataSource } from 'typeorm';
import { type InProcessApi } from './in-process-api.js';
import {
  ADMIN_PASSWORD,
  call,
  createUser,
  login,
  setupAdmin,
  signIn,
  type UserBody,
  VIEWER_PASSWORD,
  withApi,
} from './session-client.js';

const enabledAdmins = async (api: InProcessApi) =>
  (
    await api.app
      .get(DataSource)
      .query<Array<{ n: number }>>(`SELECT count(*) AS n FROM "user" WHERE role = 'admin' AND disabled = 0`)
  )[0]?.n;

test('admins create, list, change and delete users', async (t) => {
  await withApi({}, async (api) => {
    const admin = await setupAdmin(api);
    const vera = await createUser(api, admin, 'Vera', VIEWER_PASSWORD, 'viewer');
    t.like(vera, { username: 'Vera', role: 'viewer', disabled: false, totpEnabled: false });
    const listed = await call<UserBody[]>(api, '/api/users', { session: admin });
    t.deepEqual(
      listed.body.map((user) => [user.username, user.role]),
      [
        ['admin', 'admin'],
        ['Vera', 'viewer'],
      ],
    );
    t.false(JSON.stringify(listed.body).includes('argon2'));

    const promoted = await call(api, `/api/users/${vera.id}`, {
      method: 'PATCH',
      body: { role: 'admin' },
      session: admin,
    });
    t.like(promoted.body, { role: 'admin' });
    t.is(
      (await call(api, `/api/users/${vera.id}`, { method: 'PATCH', body: { role: 'root' }, session: admin })).status,
      400,
    );
    t.is(
      (await call(api, '/api/users/999', { method: 'PATCH', body: { disabled: true }, session: admin })).status,
      404,
    );
    t.is((await call(api, '/api/users/abc', { method: 'DELETE', session: admin })).status, 400);
    t.is((await call(api, `/api/users/${vera.id}`, { method: 'DELETE', session: admin })).status, 204);
    t.is((await call(api, `/api/users/${vera.id}`, { method: 'DELETE', session: admin })).status, 404);
    t.is((await call<UserBody[]>(api, '/api/users', { session: admin })).body.length, 1);
  });
});

test('user names are unique regardless of case and validated; passwords follow the policy', async (t) => {
  await withApi({}, async (api) => {
    const admin = await setupAdmin(api);
    await createUser(api, admin, 'Vera', VIEWER_PASSWORD, 'viewer');
    const create = (username: string, password = VIEWER_PASSWORD) =>
      call(api, '/api/users', { method: 'POST', body: { username, password, role: 'viewer' }, session: admin });
    t.like((await create('VERA')).body, { statusCode: 409, code: 'username_taken' });
    t.like((await create('ADMIN')).body, { statusCode: 409, code: 'username_taken' });
    t.like((await create('bad\u0007name')).body, { statusCode: 400, code: 'invalid_username' });
    t.like((await create('fine', 'short')).body, { statusCode: 400, code: 'weak_password' });
    t.like((await create('fine', 'iloveyou12')).body, { statusCode: 400, code: 'weak_password' });
    t.like(
      (
        await call(api, '/api/users', {
          method: 'POST',
          body: { username: 'x', password: VIEWER_PASSWORD, role: 'viewer', extra: 1 },
          session: admin,
        })
      ).body,
      {
        statusCode: 400,
      },
    );
    t.is((await create('fine')).status, 201);
  });
});

test('a name that looks like markup is kept and returned as the same text', async (t) => {
  await withApi({}, async (api) => {
    const admin = await setupAdmin(api);
    const name = '<img src=x onerror=alert(1)>';
    const created = await createUser(api, admin, name, VIEWER_PASSWORD, 'viewer');
    t.is(created.username, name);
    const reply = await call<UserBody[]>(api, '/api/users', { session: admin });
    t.regex(reply.headers.get('content-type') ?? '', /^application\/json/);
    t.is(reply.body[1]?.username, name);
    t.is((await signIn(api, name, VIEWER_PASSWORD)).user.username, name);
  });
});

test('the last enabled admin can never be removed, disabled or demoted', async (t) => {
  await withApi({}, async (api) => {
    const admin = await setupAdmin(api);
    const id = admin.user.id;
    for (const [method, body] of [
      ['DELETE', undefined],
      ['PATCH', { disabled: true }],
      ['PATCH', { role: 'viewer' }],
    ] as const) {
      const reply = await call(api, `/api/users/${id}`, { method, body, session: admin });
      t.is(reply.status, 409, `${method} ${JSON.stringify(body)}`);
      t.like(reply.body, { code: 'last_admin' });
    }
    // A disabled second admin does not count as a remaining admin.
    const spare = await createUser(api, admin, 'spare', 'spare-admin-password-3', 'admin');
    await call(api, `/api/users/${spare.id}`, { method: 'PATCH', body: { disabled: true }, session: admin });
    t.is(
      (await call(api, `/api/users/${id}`, { method: 'PATCH', body: { role: 'viewer' }, session: admin })).status,
      409,
    );
    // Once it is enabled, the first admin may step down.
    await call(api, `/api/users/${spare.id}`, { method: 'PATCH', body: { disabled: false }, session: admin });
    t.is(
      (await call(api, `/api/users/${id}`, { method: 'PATCH', body: { role: 'viewer' }, session: admin })).status,
      200,
    );
    t.is(await enabledAdmins(api), 1);
  });
});

test('two admins removing each other at the same moment: exactly one succeeds, one admin remains', async (t) => {
  await withApi({}, async (api) => {
    const first = await setupAdmin(api);
    const secondUser = await createUser(api, first, 'second', 'second-admin-password-8', 'admin');
    for (const change of [{ role: 'viewer' }, { disabled: true }, undefined]) {
      const one = await signIn(api, first.user.username, ADMIN_PASSWORD);
      const two = await signIn(api, 'second', 'second-admin-password-8');
      const method = change === undefined ? 'DELETE' : 'PATCH';
      const replies = await Promise.all([
        call(api, `/api/users/${secondUser.id}`, { method, body: change, session: one }),
        call(api, `/api/users/${first.user.id}`, { method, body: change, session: two }),
      ]);
      const statuses = replies.map((reply) => reply.status);
      // The loser is refused either by the guarded statement (409) or, having just lost its role or account,
      // by the guard (401/403); never do both succeed.
      t.is(statuses.filter((status) => status < 300).length, 1, JSON.stringify({ change, statuses }));
      t.is(await enabledAdmins(api), 1);
      // Restore two enabled admins for the next round.
      const survivor = replies[0]?.status !== undefined && replies[0].status < 300 ? one : two;
      const loserId = survivor === one ? secondUser.id : first.user.id;
      if (change !== undefined) {
        await call(api, `/api/users/${loserId}`, {
          method: 'PATCH',
          body: { role: 'admin', disabled: false },
          session: survivor,
        });
        t.is(await enabledAdmins(api), 2);
      }
    }
  });
});

test("an admin's own password changes only with the current one, through the account route", async (t) => {
  await withApi({}, async (api) => {
    const admin = await setupAdmin(api);
    const vera = await createUser(api, admin, 'vera', VIEWER_PASSWORD, 'viewer');
    const patchSelf = (body: unknown) =>
      call(api, `/api/users/${admin.user.id}`, { method: 'PATCH', body, session: admin });
    const refused = await patchSelf({ password: 'taken-over-password-1' });
    t.is(refused.status, 403);
    t.like(refused.body, { code: 'use_account_route' });
    t.like((await patchSelf({ password: 'taken-over-password-1', role: 'admin' })).body, {
      code: 'use_account_route',
    });
    t.is((await login(api, { username: 'admin', password: 'taken-over-password-1' })).status, 401);
    t.is((await call(api, '/api/auth/session', { session: admin })).status, 200);
    // Other changes to one's own account and other users' passwords go on as before.
    t.is((await patchSelf({ role: 'admin' })).status, 200);
    const reset = await call(api, `/api/users/${vera.id}`, {
      method: 'PATCH',
      body: { password: 'vera-reset-password-2' },
      session: admin,
    });
    t.is(reset.status, 200);
    t.is((await login(api, { username: 'vera', password: 'vera-reset-password-2' })).status, 200);
    const changed = await call(api, '/api/account/password', {
      method: 'POST',
      body: { currentPassword: ADMIN_PASSWORD, newPassword: 'admin-new-password-3' },
      session: admin,
    });
    t.is(changed.status, 200);
  });
});

// Cyrillic а (U+0430), Greek Α (U+0391), fullwidth ａ (U+FF41): each looks like Latin a.
test('a name that looks the same as an existing one is refused, and never signs in as it', async (t) => {
  await withApi({}, async (api) => {
    const admin = await setupAdmin(api);
    const create = (username: string) =>
      call<UserBody>(api, '/api/users', {
        method: 'POST',
        body: { username, password: VIEWER_PASSWORD, role: 'viewer' },
        session: admin,
      });
    for (const lookalike of ['\u0430dmin', '\u0391DMIN', '\uff41dmin', 'adm\u0131n']) {
      t.like((await create(lookalike)).body, { statusCode: 409, code: 'username_taken' }, lookalike);
    }
    t.is((await create('alice')).status, 201);
    t.like((await create('\u0430lice')).body, { code: 'username_taken' });
    // Names that only resemble each other loosely stay distinct.
    t.is((await create('alicia')).status, 201);
    t.is((await create('José')).status, 201);
    t.is((await create('Jose')).status, 201);

    // Sign-in matches the name as stored (regardless of case), never a look-alike of it.
    const spoofed = await login(api, { username: '\u0430dmin', password: ADMIN_PASSWORD });
    t.is(spoofed.status, 401);
    t.like(spoofed.body, { code: 'invalid_credentials' });
    t.is((await login(api, { username: 'ADMIN', password: ADMIN_PASSWORD })).status, 200);
  });
});
