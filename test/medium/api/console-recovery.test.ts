// What the recovery console does through the API's own services (issue #13): an admin's password reset to a one-time
// password that must change at the next sign-in, an admin created when none is left, two-factor sign-in turned off,
// and the console password an admin sets on the System page. Each is audited with the console as its origin.
import { CONSOLE_ACTOR } from '@burrow/api/services/actor';
import { ConsolePasswordService } from '@burrow/api/services/console-password.service';
import { DomainError } from '@burrow/api/services/domain-error';
import { UserService } from '@burrow/api/services/user.service';
import test from 'ava';
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
import { currentStep, totpCode } from '../../helpers/totp-code.js';

interface Operation {
  'x-burrow-permission'?: string;
}
type OpenApi = { paths: Record<string, Record<string, Operation>> };

const ONE_TIME_PASSWORD = /^[2-9a-hjkmnp-z]{5}(?:-[2-9a-hjkmnp-z]{5}){3}$/;
const NEW_PASSWORD = 'chosen-after-reset-4kq9';

interface AuditRow {
  username: string | null;
  address: string | null;
  action: string;
  target: string | null;
  origin: string;
  details: string;
}

const auditRows = (api: InProcessApi, action: string) =>
  api.app
    .get(DataSource)
    .query<AuditRow[]>(
      'SELECT username, address, action, target, origin, details FROM audit_event WHERE action = ? ORDER BY id',
      [action],
    );

/** The routes a session whose password must change may still use (besides the public ones). */
const ALLOWED_DURING_PASSWORD_CHANGE = ['POST /api/account/password', 'POST /api/auth/logout'];

test('a console reset: old password and sessions gone, the one-time password signs in to a session that can only change it', async (t) => {
  await withApi({}, async (api) => {
    const admin = await setupAdmin(api);
    const elsewhere = await signIn(api, 'admin', ADMIN_PASSWORD);

    const reset = await api.app.get(UserService).resetAdminPassword(admin.user.id, CONSOLE_ACTOR);
    t.like(reset, { username: 'admin', created: false });
    t.regex(reset.oneTimePassword, ONE_TIME_PASSWORD);
    // Another reset gives another password.
    t.not(
      (await api.app.get(UserService).resetAdminPassword(admin.user.id, CONSOLE_ACTOR)).oneTimePassword,
      reset.oneTimePassword,
    );
    const { oneTimePassword } = await api.app.get(UserService).resetAdminPassword(admin.user.id, CONSOLE_ACTOR);

    // Every session of that user ended; the old password no longer works.
    for (const session of [admin, elsewhere]) {
      t.is((await call(api, '/api/auth/session', { session })).status, 401);
    }
    t.like((await login(api, { username: 'admin', password: ADMIN_PASSWORD })).body, {
      statusCode: 401,
      code: 'invalid_credentials',
    });
    t.like((await login(api, { username: 'admin', password: reset.oneTimePassword })).body, {
      code: 'invalid_credentials',
    });

    const signedIn = await login(api, { username: 'admin', password: oneTimePassword });
    t.is(signedIn.status, 200);
    t.like(signedIn.body, { passwordMustChange: true, mustEnrolTotp: false });
    const limited = await signIn(api, 'admin', oneTimePassword);
    t.like((await call(api, '/api/auth/session', { session: limited })).body, { passwordMustChange: true });

    // Every route of the OpenAPI document that needs a session is refused, but the password change and signing out.
    const document = (await call<OpenApi>(api, '/api/openapi.json')).body;
    let refused = 0;
    for (const [path, methods] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        const route = `${method.toUpperCase()} ${path}`;
        if (operation['x-burrow-permission'] === 'public' || ALLOWED_DURING_PASSWORD_CHANGE.includes(route)) {
          continue;
        }
        const reply = await call(api, path.replace('{id}', String(admin.user.id)), {
          method: method.toUpperCase(),
          body: method === 'get' ? undefined : { password: 'sneaky-password-99', currentPassword: oneTimePassword },
          session: limited,
        });
        if (operation['x-burrow-permission'] === 'metrics') {
          // The Prometheus scrape does not take this admin's session either.
          t.is(reply.status, 401, route);
        } else {
          t.is(reply.status, 403, route);
          t.like(reply.body, { code: 'password_change_required' }, route);
        }
        refused++;
      }
    }
    t.true(refused >= 40, `${refused} routes refused`);
    t.is(
      (await api.app.get(DataSource).query<unknown[]>('SELECT 1 FROM setting WHERE key = ?', ['console.passwordHash']))
        .length,
      0,
    );

    // The one-time password itself is not a new password.
    const same = await call(api, '/api/account/password', {
      method: 'POST',
      body: { currentPassword: oneTimePassword, newPassword: oneTimePassword },
      session: limited,
    });
    t.like(same.body, { statusCode: 400, code: 'weak_password' });
    const changed = await call<{ passwordMustChange: boolean; csrfToken: string }>(api, '/api/account/password', {
      method: 'POST',
      body: { currentPassword: oneTimePassword, newPassword: NEW_PASSWORD },
      session: limited,
    });
    t.is(changed.status, 200);
    t.false(changed.body.passwordMustChange);
    const renewed: Session = {
      token: sessionCookieOf(changed.headers) ?? '',
      csrfToken: changed.body.csrfToken,
      user: limited.user,
    };
    t.is((await call(api, '/api/users', { session: renewed })).status, 200);
    t.is((await call(api, '/api/users', { session: limited })).status, 401);
    const again = await signIn(api, 'admin', NEW_PASSWORD);
    t.like((await call(api, '/api/auth/session', { session: again })).body, { passwordMustChange: false });
    t.is((await login(api, { username: 'admin', password: oneTimePassword })).status, 401);

    const resets = await auditRows(api, 'user.password_reset');
    t.is(resets.length, 3);
    t.like(resets[2], { username: null, address: null, target: 'admin', origin: 'console' });
    t.like(JSON.parse(resets[0]?.details ?? '{}'), { passwordMustChange: true, sessionsEnded: 2 });
    t.false(JSON.stringify(resets).includes(oneTimePassword));
    t.false(api.logs.some((line) => JSON.stringify(line).includes(oneTimePassword)));
  });
});

test('the console resets only an enabled admin, and creates one only when none exists', async (t) => {
  await withApi({}, async (api) => {
    const users = api.app.get(UserService);
    const dataSource = api.app.get(DataSource);

    // A router without any admin: the console creates `admin`, whose password must change.
    const created = await users.resetAdminPassword(null, CONSOLE_ACTOR);
    t.like(created, { username: 'admin', created: true });
    t.regex(created.oneTimePassword, ONE_TIME_PASSWORD);
    t.like((await call(api, '/api/setup')).body, { setupRequired: false });
    const admin = await signIn(api, 'admin', created.oneTimePassword);
    t.is(admin.user.role, 'admin');
    t.like((await call(api, '/api/auth/session', { session: admin })).body, { passwordMustChange: true });
    t.like(await auditRows(api, 'user.created'), [
      { username: null, address: null, target: 'admin', origin: 'console' },
    ]);

    // With an admin, null is refused: the console must name whose password to reset.
    await t.throwsAsync(users.resetAdminPassword(null, CONSOLE_ACTOR), {
      instanceOf: DomainError,
      message: /An admin exists/,
    });
    t.is(await users.resetAdminPassword(null, CONSOLE_ACTOR).catch((error: DomainError) => error.code), 'admin_exists');

    // A viewer, a disabled admin and an unknown id are refused, and nothing about them changes.
    const fresh = await call(api, '/api/account/password', {
      method: 'POST',
      body: { currentPassword: created.oneTimePassword, newPassword: ADMIN_PASSWORD },
      session: admin,
    });
    t.is(fresh.status, 200);
    const signedInAdmin: Session = {
      token: sessionCookieOf(fresh.headers) ?? '',
      csrfToken: (fresh.body as { csrfToken: string }).csrfToken,
      user: admin.user,
    };
    const vera = await createUser(api, signedInAdmin, 'vera', VIEWER_PASSWORD, 'viewer');
    const olga = await createUser(api, signedInAdmin, 'olga', VIEWER_PASSWORD, 'admin');
    await call(api, `/api/users/${olga.id}`, { method: 'PATCH', body: { disabled: true }, session: signedInAdmin });
    for (const id of [vera.id, olga.id]) {
      const error = await t.throwsAsync(users.resetAdminPassword(id, CONSOLE_ACTOR), { instanceOf: DomainError });
      t.like(error, { kind: 'conflict', code: 'not_an_admin' });
    }
    t.like(await t.throwsAsync(users.resetAdminPassword(9999, CONSOLE_ACTOR)), { code: 'not_found' });
    t.is((await login(api, { username: 'vera', password: VIEWER_PASSWORD })).status, 200);
    t.is((await auditRows(api, 'user.password_reset')).length, 0);

    // Left with viewers only (a hand-edited database), the console creates the first free admin-N.
    await dataSource.query(`UPDATE "user" SET role = 'viewer'`);
    const second = await users.resetAdminPassword(null, CONSOLE_ACTOR);
    t.like(second, { username: 'admin-2', created: true });
    t.is((await login(api, { username: 'admin-2', password: second.oneTimePassword })).status, 200);
  });
});

test('two-factor sign-in still applies to a one-time password; the console turns it off', async (t) => {
  await withApi({}, async (api) => {
    const admin = await setupAdmin(api);
    const started = await call<{ secret: string }>(api, '/api/account/totp/enrol', {
      method: 'POST',
      body: { password: ADMIN_PASSWORD },
      session: admin,
    });
    const confirmed = await call(api, '/api/account/totp/confirm', {
      method: 'POST',
      body: { code: totpCode(started.body.secret, currentStep()) },
      session: admin,
    });
    t.is(confirmed.status, 200);
    const users = api.app.get(UserService);
    const { oneTimePassword } = await users.resetAdminPassword(admin.user.id, CONSOLE_ACTOR);
    t.like((await login(api, { username: 'admin', password: oneTimePassword })).body, { code: 'totp_required' });

    const other = await signIn(api, 'admin', oneTimePassword, totpCode(started.body.secret, currentStep() + 1));
    await users.disableTotp(admin.user.id, CONSOLE_ACTOR);
    t.is((await call(api, '/api/auth/session', { session: other })).status, 401);
    const signedIn = await login(api, { username: 'admin', password: oneTimePassword });
    t.is(signedIn.status, 200);
    t.like(signedIn.body, { passwordMustChange: true, user: { totpEnabled: false } });
    t.like(await auditRows(api, 'user.totp_disabled'), [
      { username: null, address: null, target: 'admin', origin: 'console' },
    ]);
    t.like(await t.throwsAsync(users.disableTotp(admin.user.id, CONSOLE_ACTOR)), { code: 'totp_not_enabled' });
  });
});

test('the console password: admins set and clear it with their own password; only its hash is kept', async (t) => {
  await withApi({}, async (api) => {
    const admin = await setupAdmin(api);
    await createUser(api, admin, 'vera', VIEWER_PASSWORD, 'viewer');
    const viewer = await signIn(api, 'vera', VIEWER_PASSWORD);
    const consolePassword = api.app.get(ConsolePasswordService);
    const path = '/api/system/console-password';
    const CONSOLE_PASSWORD = 'shell-behind-this-8r2w';

    t.like((await call(api, path, { session: viewer })).body, { statusCode: 403, code: 'forbidden' });
    t.deepEqual((await call(api, path, { session: admin })).body, { set: false, updatedAt: null });
    t.false(await consolePassword.isConsolePasswordSet());
    t.false(await consolePassword.checkConsolePassword(''));

    const put = (body: unknown, session = admin) => call(api, path, { method: 'PUT', body, session });
    t.like((await put({ password: CONSOLE_PASSWORD })).body, { statusCode: 400 });
    t.like((await put({ password: CONSOLE_PASSWORD, currentPassword: 'not-my-password' })).body, {
      statusCode: 400,
      code: 'wrong_password',
    });
    t.like((await put({ password: 'short', currentPassword: ADMIN_PASSWORD })).body, { code: 'weak_password' });
    t.like((await put({ password: CONSOLE_PASSWORD, currentPassword: VIEWER_PASSWORD }, viewer)).body, {
      statusCode: 403,
    });
    t.false(await consolePassword.isConsolePasswordSet());

    const set = await put({ password: CONSOLE_PASSWORD, currentPassword: ADMIN_PASSWORD });
    t.is(set.status, 200);
    t.like(set.body, { set: true });
    t.regex(String((set.body as { updatedAt: unknown }).updatedAt), /^\d{4}-\d\d-\d\dT/);
    const [row] = await api.app
      .get(DataSource)
      .query<Array<{ value: string }>>('SELECT value FROM setting WHERE key = ?', ['console.passwordHash']);
    t.false(row?.value.includes(CONSOLE_PASSWORD) ?? true);
    t.regex(row?.value ?? '', /\$argon2id\$/);
    t.true(await consolePassword.isConsolePasswordSet());
    t.true(await consolePassword.checkConsolePassword(CONSOLE_PASSWORD));
    t.false(await consolePassword.checkConsolePassword('shell-behind-this-8r2W'));
    t.false(await consolePassword.checkConsolePassword(''));
    t.false(JSON.stringify((await call(api, path, { session: admin })).body).includes('argon2'));

    const remove = (body: unknown) => call(api, path, { method: 'DELETE', body, session: admin });
    t.like((await remove({ currentPassword: 'not-my-password' })).body, { code: 'wrong_password' });
    t.true(await consolePassword.checkConsolePassword(CONSOLE_PASSWORD));
    t.is((await remove({ currentPassword: ADMIN_PASSWORD })).status, 204);
    t.deepEqual((await call(api, path, { session: admin })).body, { set: false, updatedAt: null });
    t.false(await consolePassword.isConsolePasswordSet());
    t.false(await consolePassword.checkConsolePassword(CONSOLE_PASSWORD));

    t.like(await auditRows(api, 'system.console_password_set'), [
      { username: 'admin', origin: 'web', target: 'console' },
    ]);
    t.like(await auditRows(api, 'system.console_password_cleared'), [{ username: 'admin', origin: 'web' }]);
    t.false(
      JSON.stringify(await api.app.get(DataSource).query('SELECT * FROM audit_event')).includes(CONSOLE_PASSWORD),
    );
  });
});

test('a damaged console password setting counts as set and matches nothing', async (t) => {
  await withApi({}, async (api) => {
    await api.app
      .get(DataSource)
      .query(`INSERT INTO setting (key, value, updated_at) VALUES ('console.passwordHash', '"oops"', '2026-01-01')`);
    const consolePassword = api.app.get(ConsolePasswordService);
    t.true(await consolePassword.isConsolePasswordSet());
    t.false(await consolePassword.checkConsolePassword('oops'));
    t.false(await consolePassword.checkConsolePassword(''));
  });
});
