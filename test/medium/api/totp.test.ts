// Two-factor sign-in: enrolment with a QR code, codes that work once, recovery codes that work once,
// and admins requiring 2FA of everyone.
import test from 'ava';
import { DataSource } from 'typeorm';
import { type InProcessApi } from './in-process-api.js';
import {
  ADMIN_PASSWORD,
  call,
  createUser,
  login,
  type UserBody,
  type Session,
  sessionCookieOf,
  setupAdmin,
  signIn,
  VIEWER_PASSWORD,
  withApi,
} from './session-client.js';
import { currentStep, totpCode } from '../../helpers/totp-code.js';

interface Enrolled {
  secret: string;
  recoveryCodes: string[];
}

/** Enrols and confirms with the current step's code, as a person scanning the QR code would. */
async function enrol(api: InProcessApi, session: Session, password = ADMIN_PASSWORD): Promise<Enrolled> {
  const started = await call<{ secret: string }>(api, '/api/account/totp/enrol', {
    method: 'POST',
    body: { password },
    session,
  });
  const { secret } = started.body;
  const confirmed = await call<{ recoveryCodes: string[] }>(api, '/api/account/totp/confirm', {
    method: 'POST',
    body: { code: totpCode(secret, currentStep()) },
    session,
  });
  if (confirmed.status !== 200) {
    throw new Error(`confirm answered ${confirmed.status}: ${JSON.stringify(confirmed.body)}`);
  }
  return { secret, recoveryCodes: confirmed.body.recoveryCodes };
}

test('enrolment: QR code and secret, a confirmation code, ten recovery codes; then sign-in asks for a code', async (t) => {
  await withApi({}, async (api) => {
    const admin = await setupAdmin(api);
    const started = await call<{ secret: string; otpauthUrl: string; qrSvgDataUrl: string }>(
      api,
      '/api/account/totp/enrol',
      { method: 'POST', body: { password: ADMIN_PASSWORD }, session: admin },
    );
    t.is(started.status, 201);
    const { secret, otpauthUrl, qrSvgDataUrl } = started.body;
    t.regex(secret, /^[A-Z2-7]{32}$/);
    const url = new URL(otpauthUrl);
    t.is(url.protocol, 'otpauth:');
    t.is(url.searchParams.get('secret'), secret);
    t.is(url.searchParams.get('issuer'), 'Burrow');
    t.true(qrSvgDataUrl.startsWith('data:image/svg+xml;base64,'));
    t.regex(Buffer.from(qrSvgDataUrl.split(',')[1] ?? '', 'base64').toString(), /^<svg[^>]*>/);

    // Not on yet: sign-in needs no code until the app has proved it has the secret.
    t.is((await login(api, { username: 'admin', password: ADMIN_PASSWORD })).status, 200);
    const wrong = await call(api, '/api/account/totp/confirm', {
      method: 'POST',
      body: { code: totpCode(secret, currentStep() + 5) },
      session: admin,
    });
    t.is(wrong.status, 400);
    t.like(wrong.body, { code: 'totp_invalid' });

    const confirmed = await call<{ recoveryCodes: string[] }>(api, '/api/account/totp/confirm', {
      method: 'POST',
      body: { code: totpCode(secret, currentStep()) },
      session: admin,
    });
    t.is(confirmed.status, 200);
    const codes = confirmed.body.recoveryCodes;
    t.is(codes.length, 10);
    t.is(new Set(codes).size, 10);
    t.true(codes.every((code) => /^[0-9a-z]{4}-[0-9a-z]{4}$/.test(code)));
    t.like((await call(api, '/api/auth/session', { session: admin })).body, { user: { totpEnabled: true } });
    const again = await call(api, '/api/account/totp/enrol', {
      method: 'POST',
      body: { password: ADMIN_PASSWORD },
      session: admin,
    });
    t.like(again.body, { code: 'totp_already_enabled' });

    const noCode = await login(api, { username: 'admin', password: ADMIN_PASSWORD });
    t.is(noCode.status, 401);
    t.like(noCode.body, { code: 'totp_required' });
    t.is(sessionCookieOf(noCode.headers), undefined);
    // The window accepts the next step's code, which has not been used yet.
    const withCode = await login(api, {
      username: 'admin',
      password: ADMIN_PASSWORD,
      totp: totpCode(secret, currentStep() + 1),
    });
    t.is(withCode.status, 200);
    t.truthy(sessionCookieOf(withCode.headers));
  });
});

test('a TOTP code is accepted once: a replay is refused, even when sent twice at the same moment', async (t) => {
  await withApi({}, async (api) => {
    const admin = await setupAdmin(api);
    const { secret } = await enrol(api, admin);
    const code = totpCode(secret, currentStep() + 1);
    const both = await Promise.all([
      login(api, { username: 'admin', password: ADMIN_PASSWORD, totp: code }),
      login(api, { username: 'admin', password: ADMIN_PASSWORD, totp: code }),
    ]);
    t.deepEqual(both.map((reply) => reply.status).sort(), [200, 401]);
    const replay = await login(api, { username: 'admin', password: ADMIN_PASSWORD, totp: code });
    t.is(replay.status, 401);
    t.like(replay.body, { code: 'totp_invalid', message: 'Invalid two-factor code' });
    // An older step than the last one used is no good either: the confirmation code's step has passed.
    const older = await login(api, {
      username: 'admin',
      password: ADMIN_PASSWORD,
      totp: totpCode(secret, currentStep()),
    });
    t.is(older.status, 401);
  });
});

test('each recovery code signs in once', async (t) => {
  await withApi({}, async (api) => {
    const admin = await setupAdmin(api);
    const { recoveryCodes } = await enrol(api, admin);
    const [first = '', second = ''] = recoveryCodes;
    t.is((await login(api, { username: 'admin', password: ADMIN_PASSWORD, totp: first })).status, 200);
    const reused = await login(api, { username: 'admin', password: ADMIN_PASSWORD, totp: first });
    t.is(reused.status, 401);
    t.like(reused.body, { code: 'totp_invalid' });
    // Typed in capitals without the dash, as people do.
    const typed = second.replace('-', '').toUpperCase();
    t.is((await login(api, { username: 'admin', password: ADMIN_PASSWORD, totp: typed })).status, 200);
    t.is((await login(api, { username: 'admin', password: ADMIN_PASSWORD, totp: 'zzzz-zzzz' })).status, 401);
  });
});

test('wrong codes count towards the lock', async (t) => {
  await withApi({}, async (api) => {
    const admin = await setupAdmin(api);
    const { secret } = await enrol(api, admin);
    const wrong = String((Number(totpCode(secret, currentStep())) + 1) % 1_000_000).padStart(6, '0');
    for (let i = 0; i < 5; i++) {
      await login(api, { username: 'admin', password: ADMIN_PASSWORD, totp: wrong });
    }
    const locked = await login(api, {
      username: 'admin',
      password: ADMIN_PASSWORD,
      totp: totpCode(secret, currentStep() + 1),
    });
    t.is(locked.status, 401);
    t.like(locked.body, { code: 'invalid_credentials' });
  });
});

test('turning 2FA off needs the password, and then sign-in needs no code', async (t) => {
  await withApi({}, async (api) => {
    const admin = await setupAdmin(api);
    await enrol(api, admin);
    const wrong = await call(api, '/api/account/totp', {
      method: 'DELETE',
      body: { password: 'nope-nope-nope' },
      session: admin,
    });
    t.is(wrong.status, 400);
    t.like(wrong.body, { code: 'wrong_password' });
    const off = await call(api, '/api/account/totp', {
      method: 'DELETE',
      body: { password: ADMIN_PASSWORD },
      session: admin,
    });
    t.is(off.status, 204);
    t.is((await login(api, { username: 'admin', password: ADMIN_PASSWORD })).status, 200);
  });
});

test('when admins require 2FA, a user without it must enrol before doing anything else', async (t) => {
  await withApi({}, async (api) => {
    const admin = await setupAdmin(api);
    await enrol(api, admin);
    await createUser(api, admin, 'vera', VIEWER_PASSWORD, 'viewer');
    const settings = { idleTimeoutMinutes: 30, absoluteLifetimeHours: 12, requireTotp: true };
    t.is((await call(api, '/api/settings/security', { method: 'PUT', body: settings, session: admin })).status, 200);

    const vera = await signIn(api, 'vera', VIEWER_PASSWORD);
    t.like((await login(api, { username: 'vera', password: VIEWER_PASSWORD })).body, { mustEnrolTotp: true });
    const blocked = await call(api, '/api/system/status', { session: vera });
    t.is(blocked.status, 403);
    t.like(blocked.body, { code: 'totp_enrolment_required' });
    t.like((await call(api, '/api/auth/session', { session: vera })).body, { mustEnrolTotp: true });
    t.is((await call(api, '/api/auth/sessions', { session: vera })).status, 200);

    const { secret } = await enrol(api, vera, VIEWER_PASSWORD);
    t.is((await call(api, '/api/system/status', { session: vera })).status, 200);
    t.like((await call(api, '/api/auth/session', { session: vera })).body, { mustEnrolTotp: false });
    const refused = await call(api, '/api/account/totp', {
      method: 'DELETE',
      body: { password: VIEWER_PASSWORD },
      session: vera,
    });
    t.is(refused.status, 409);
    t.like(refused.body, { code: 'totp_required_by_policy' });
    t.is(
      (await login(api, { username: 'vera', password: VIEWER_PASSWORD, totp: totpCode(secret, currentStep() + 1) }))
        .status,
      200,
    );
  });
});

interface AuditPage {
  events: Array<{ action: string; username: string | null; target: string | null; details: object }>;
}

const pendingSecret = async (api: InProcessApi, username: string) =>
  (
    await api.app
      .get(DataSource)
      .query<Array<{ pending: string | null }>>(
        'SELECT totp_pending_secret AS pending FROM "user" WHERE username = ?',
        [username],
      )
  )[0]?.pending;

test('setting up 2FA needs the current password: a stolen session cannot enrol its own app', async (t) => {
  await withApi({}, async (api) => {
    const admin = await setupAdmin(api);
    const start = (body?: unknown) =>
      call(api, '/api/account/totp/enrol', { method: 'POST', ...(body === undefined ? {} : { body }), session: admin });
    t.is((await start()).status, 400);
    const wrong = await start({ password: 'not-the-password-1' });
    t.is(wrong.status, 400);
    t.like(wrong.body, { code: 'wrong_password' });
    t.is(await pendingSecret(api, 'admin'), null);
    t.is((await start({ password: ADMIN_PASSWORD })).status, 201);
    t.truthy(await pendingSecret(api, 'admin'));

    // Wrong passwords here use up the session's own allowance (10), then count towards the name's lock (5).
    for (let i = 0; i < 15; i++) {
      await start({ password: 'not-the-password-1' });
    }
    t.like((await login(api, { username: 'admin', password: ADMIN_PASSWORD })).body, {
      code: 'invalid_credentials',
    });
  });
});

test('the 2FA status counts unused recovery codes; a new set, made with the password, replaces the old', async (t) => {
  await withApi({}, async (api) => {
    const admin = await setupAdmin(api);
    const status = async () => (await call(api, '/api/account/totp', { session: admin })).body;
    const regenerate = (password: string) =>
      call<{ recoveryCodes: string[] }>(api, '/api/account/totp/recovery-codes', {
        method: 'POST',
        body: { password },
        session: admin,
      });
    t.deepEqual(await status(), { enabled: false, recoveryCodesLeft: 0 });
    t.like((await regenerate(ADMIN_PASSWORD)).body, { statusCode: 409, code: 'totp_not_enabled' });

    const { recoveryCodes: old } = await enrol(api, admin);
    t.deepEqual(await status(), { enabled: true, recoveryCodesLeft: 10 });
    const [used = '', kept = ''] = old;
    t.is((await login(api, { username: 'admin', password: ADMIN_PASSWORD, totp: used })).status, 200);
    t.deepEqual(await status(), { enabled: true, recoveryCodesLeft: 9 });

    const wrong = await regenerate('not-the-password-1');
    t.is(wrong.status, 400);
    t.like(wrong.body, { code: 'wrong_password' });
    t.deepEqual(await status(), { enabled: true, recoveryCodesLeft: 9 });

    const fresh = await regenerate(ADMIN_PASSWORD);
    t.is(fresh.status, 200);
    t.is(fresh.body.recoveryCodes.length, 10);
    t.false(fresh.body.recoveryCodes.some((code) => old.includes(code)));
    t.deepEqual(await status(), { enabled: true, recoveryCodesLeft: 10 });
    // The old set stops working at once; the new one works.
    t.like((await login(api, { username: 'admin', password: ADMIN_PASSWORD, totp: kept })).body, {
      code: 'totp_invalid',
    });
    const next = fresh.body.recoveryCodes[0] ?? '';
    t.is((await login(api, { username: 'admin', password: ADMIN_PASSWORD, totp: next })).status, 200);

    const audit = await call<AuditPage>(api, '/api/audit?action=totp.recovery_codes_regenerated', { session: admin });
    t.deepEqual(
      audit.body.events.map((event) => [event.username, event.details]),
      [['admin', { recoveryCodesReplaced: 9 }]],
    );
  });
});

test("an admin turns off another user's 2FA: audited, and that user's sessions end", async (t) => {
  await withApi({}, async (api) => {
    const admin = await setupAdmin(api);
    const vera = await createUser(api, admin, 'vera', VIEWER_PASSWORD, 'viewer');
    const veraSession = await signIn(api, 'vera', VIEWER_PASSWORD);
    await enrol(api, veraSession, VIEWER_PASSWORD);
    // Enrolment does not end the session it was made in; the admin's action does.
    t.is((await call(api, '/api/auth/session', { session: veraSession })).status, 200);
    const turnOff = (id: number) => call(api, `/api/users/${id}/totp`, { method: 'DELETE', session: admin });

    t.is((await turnOff(vera.id)).status, 204);
    t.is((await call(api, '/api/auth/session', { session: veraSession })).status, 401);
    const users = await call<UserBody[]>(api, '/api/users', { session: admin });
    t.like(users.body[1], { username: 'vera', totpEnabled: false });
    t.is((await login(api, { username: 'vera', password: VIEWER_PASSWORD })).status, 200);
    t.is(
      await api.app
        .get(DataSource)
        .query<Array<{ n: number }>>('SELECT count(*) AS n FROM recovery_code WHERE user_id = ?', [vera.id])
        .then((rows) => rows[0]?.n),
      0,
    );

    t.like((await turnOff(vera.id)).body, { statusCode: 409, code: 'totp_not_enabled' });
    t.is((await turnOff(999)).status, 404);
    // Their own goes through the account route, with their password.
    await enrol(api, admin);
    t.like((await turnOff(admin.user.id)).body, { statusCode: 403, code: 'use_account_route' });
    t.is((await call(api, '/api/auth/session', { session: admin })).status, 200);

    const audit = await call<AuditPage>(api, '/api/audit?action=user.totp_disabled', { session: admin });
    t.deepEqual(
      audit.body.events.map((event) => [event.username, event.target, event.details]),
      [['admin', 'vera', { sessionsEnded: 1 }]],
    );
  });
});
