// The audit log: who, from where, when, what; filters and paging; bounded; and no secret ever in it or in
// the logs.
import { AuditService } from '@burrow/api/services/audit.service';
import test from 'ava';
import { DataSource } from 'typeorm';
import { type InProcessApi } from './in-process-api.js';
import {
  ADMIN_PASSWORD,
  call,
  createUser,
  login,
  sessionCookieOf,
  setupAdmin,
  signIn,
  VIEWER_PASSWORD,
  withApi,
} from './session-client.js';
import { currentStep, totpCode } from '../../helpers/totp-code.js';

interface AuditEvent {
  id: number;
  at: string;
  username: string | null;
  address: string | null;
  action: string;
  target: string | null;
  details: Record<string, unknown>;
}
interface AuditPage {
  events: AuditEvent[];
  nextBefore: number | null;
}

const auditRows = (api: InProcessApi) => api.app.get(DataSource).query<unknown[]>('SELECT * FROM audit_event');

test('sign-ins, failures, sign-outs, user and role changes, sessions and settings are recorded', async (t) => {
  await withApi({}, async (api) => {
    const started = new Date().toISOString();
    const admin = await setupAdmin(api);
    const vera = await createUser(api, admin, 'vera', VIEWER_PASSWORD, 'viewer');
    await login(api, { username: 'vera', password: 'wrong-password-0' });
    await login(api, { username: 'ghost', password: 'wrong-password-0' });
    const session = await signIn(api, 'vera', VIEWER_PASSWORD);
    await call(api, '/api/auth/logout', { method: 'POST', session });
    await call(api, `/api/users/${vera.id}`, { method: 'PATCH', body: { role: 'admin' }, session: admin });
    await call(api, `/api/users/${vera.id}`, { method: 'PATCH', body: { disabled: true }, session: admin });
    await call(api, `/api/users/${vera.id}/sessions`, { method: 'DELETE', session: admin });
    await call(api, '/api/settings/security', {
      method: 'PUT',
      body: { idleTimeoutMinutes: 20, absoluteLifetimeHours: 12, requireTotp: false },
      session: admin,
    });
    await call(api, `/api/users/${vera.id}`, { method: 'DELETE', session: admin });

    const page = await call<AuditPage>(api, '/api/audit', { session: admin });
    t.is(page.status, 200);
    const events = [...page.body.events].reverse();
    t.deepEqual(
      events.map((event) => [event.action, event.username, event.target]),
      [
        ['setup.completed', 'admin', 'admin'],
        ['user.created', 'admin', 'vera'],
        ['auth.login_failed', 'vera', null],
        ['auth.login_failed', null, null],
        ['auth.login', 'vera', null],
        ['auth.logout', 'vera', null],
        ['user.role_changed', 'admin', 'vera'],
        ['user.disabled', 'admin', 'vera'],
        ['user.sessions_revoked', 'admin', 'vera'],
        ['settings.security_changed', 'admin', 'security'],
        ['user.deleted', 'admin', 'vera'],
      ],
    );
    t.true(events.every((event) => event.address === '127.0.0.1' && event.at >= started));
    t.deepEqual(events[2]?.details, { reason: 'wrong_password' });
    t.deepEqual(events[3]?.details, { reason: 'unknown_user' });
    t.deepEqual(events[6]?.details, { from: 'viewer', to: 'admin' });
    t.deepEqual(events[9]?.details, { idleTimeoutMinutes: 20 });
    t.false(JSON.stringify(events).includes('ghost'), 'an unknown name may be a mistyped password');
  });
});

test('the log is filtered by action, user and time, and paged newest first', async (t) => {
  await withApi({}, async (api) => {
    const admin = await setupAdmin(api);
    await createUser(api, admin, 'Vera', VIEWER_PASSWORD, 'viewer');
    for (let i = 0; i < 5; i++) {
      await signIn(api, 'vera', VIEWER_PASSWORD);
    }
    const get = (query: string) => call<AuditPage>(api, `/api/audit?${query}`, { session: admin });

    const logins = await get('action=auth.login&username=VERA');
    t.is(logins.body.events.length, 5);
    t.true(logins.body.events.every((event) => event.action === 'auth.login' && event.username === 'Vera'));

    const first = await get('limit=2');
    t.deepEqual(
      first.body.events.map((event) => event.id),
      [7, 6],
    );
    t.is(first.body.nextBefore, 6);
    const second = await get(`limit=4&before=${first.body.nextBefore}`);
    t.deepEqual(
      second.body.events.map((event) => event.id),
      [5, 4, 3, 2],
    );
    const last = await get(`limit=4&before=${second.body.nextBefore}`);
    t.deepEqual(
      last.body.events.map((event) => event.id),
      [1],
    );
    t.is(last.body.nextBefore, null);

    const future = new Date(Date.now() + 60_000).toISOString();
    t.deepEqual((await get(`from=${encodeURIComponent(future)}`)).body.events, []);
    t.is((await get(`to=${encodeURIComponent(future)}`)).body.events.length, 7);
    for (const bad of ['limit=0', 'limit=201', 'action=nope', 'from=yesterday', 'before=-1']) {
      t.is((await get(bad)).status, 400, bad);
    }
  });
});

test('the log is bounded: past 10 000 events the oldest go', async (t) => {
  await withApi({}, async (api) => {
    const admin = await setupAdmin(api);
    const dataSource = api.app.get(DataSource);
    await dataSource.query(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000)
       INSERT INTO audit_event (at, action) SELECT '2026-01-01T00:00:00.000Z', 'auth.login' FROM n`,
    );
    await signIn(api, 'admin', ADMIN_PASSWORD);
    const [stats] = await dataSource.query<Array<{ n: number; oldest: number; newest: number }>>(
      'SELECT count(*) AS n, min(id) AS oldest, max(id) AS newest FROM audit_event',
    );
    // Ids: 1 the setup, 2–10 001 the inserted rows, 10 002 the sign-in; the newest 10 000 stay.
    t.deepEqual(stats, { n: 10_000, oldest: 3, newest: 10_002 });
    t.is((await call<AuditPage>(api, '/api/audit?limit=1', { session: admin })).body.events[0]?.action, 'auth.login');
  });
});

test('no password, code, secret or token reaches the logs or the audit log', async (t) => {
  // At the most talkative level, so debug lines are searched too.
  await withApi({ logLevel: 'trace' }, async (api) => {
    const secrets: string[] = [ADMIN_PASSWORD, VIEWER_PASSWORD];
    const admin = await setupAdmin(api);
    secrets.push(admin.token, admin.csrfToken);
    await createUser(api, admin, 'vera', VIEWER_PASSWORD, 'viewer');
    const wrongPassword = 'Wr0ng-but-still-secret';
    secrets.push(wrongPassword);
    await login(api, { username: 'vera', password: wrongPassword });

    const enrolment = await call<{ secret: string }>(api, '/api/account/totp/enrol', {
      method: 'POST',
      body: { password: ADMIN_PASSWORD },
      session: admin,
    });
    const confirmationCode = totpCode(enrolment.body.secret, currentStep());
    const confirmed = await call<{ recoveryCodes: string[] }>(api, '/api/account/totp/confirm', {
      method: 'POST',
      body: { code: confirmationCode },
      session: admin,
    });
    secrets.push(enrolment.body.secret, ...confirmed.body.recoveryCodes);
    const signInCode = totpCode(enrolment.body.secret, currentStep() + 1);
    const withTotp = await login(api, { username: 'admin', password: ADMIN_PASSWORD, totp: signInCode });
    secrets.push(sessionCookieOf(withTotp.headers) ?? 'missing', String(withTotp.body.csrfToken));
    const withRecovery = await signIn(api, 'admin', ADMIN_PASSWORD, confirmed.body.recoveryCodes[0]);
    secrets.push(withRecovery.token, withRecovery.csrfToken);

    const newPassword = 'fresh-admin-passphrase-62';
    secrets.push(newPassword);
    const changed = await call<{ csrfToken: string }>(api, '/api/account/password', {
      method: 'POST',
      body: { currentPassword: ADMIN_PASSWORD, newPassword },
      session: withRecovery,
    });
    t.is(changed.status, 200);
    secrets.push(sessionCookieOf(changed.headers) ?? 'missing', changed.body.csrfToken);
    const renewed = await call<{ recoveryCodes: string[] }>(api, '/api/account/totp/recovery-codes', {
      method: 'POST',
      body: { password: newPassword },
      session: { ...withRecovery, token: sessionCookieOf(changed.headers) ?? '', csrfToken: changed.body.csrfToken },
    });
    t.is(renewed.status, 200);
    secrets.push(...renewed.body.recoveryCodes);

    // TOTP codes are only 6 digits, so they are checked as whole JSON values, not as substrings.
    const codes = [confirmationCode, signInCode];
    const logs = JSON.stringify(api.logs);
    const audit = JSON.stringify(await auditRows(api));
    // A line for each of the 9 requests above: the search below has something to search. Nest's own startup
    // lines go through its one global logger, which another test's app in this worker may hold.
    t.true(api.logs.filter((line) => line.req !== undefined).length >= 9, `${api.logs.length} log lines`);
    t.true(audit.includes('totp.recovery_code_used') && audit.includes('account.password_changed'));
    for (const secret of secrets) {
      t.false(logs.includes(secret), `a secret is in the logs: ${secret.slice(0, 3)}…`);
      t.false(audit.includes(secret), `a secret is in the audit log: ${secret.slice(0, 3)}…`);
    }
    for (const code of codes) {
      t.false(logs.includes(`"${code}"`) || audit.includes(`"${code}"`));
    }
  });
});

test('a flood of anonymous failed sign-ins never pushes out what admins did; failures are summed', async (t) => {
  await withApi({ trustedProxies: '127.0.0.1' }, async (api) => {
    const admin = await setupAdmin(api);
    await createUser(api, admin, 'vera', VIEWER_PASSWORD, 'viewer');
    const dataSource = api.app.get(DataSource);
    // A flood already under way: 10 000 failures of random names from as many addresses (inserted directly, as
    // sending them would take minutes), then more of them over HTTP.
    await dataSource.query(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000)
       INSERT INTO audit_event (at, address, action, details)
       SELECT '2026-01-01T00:00:00.000Z', '10.9.' || (i / 256) || '.' || (i % 256), 'auth.login_failed',
         '{"reason":"unknown_user"}' FROM n`,
    );
    for (let i = 0; i < 30; i++) {
      await login(api, { username: `random-${i}`, password: 'whatever-1' }, { 'x-forwarded-for': `10.8.0.${i}` });
    }
    // Twenty random names from one address: one row, with a count and a time range.
    for (let i = 0; i < 20; i++) {
      await login(api, { username: `guess-${i}`, password: 'whatever-1' }, { 'x-forwarded-for': '192.0.2.50' });
    }

    const get = (query: string) => call<AuditPage>(api, `/api/audit?${query}`, { session: admin });
    for (const action of ['setup.completed', 'user.created']) {
      t.is((await get(`action=${action}`)).body.events.length, 1, `${action} is still there`);
    }
    const [failures] = await dataSource.query<Array<{ n: number }>>(
      `SELECT count(*) AS n FROM audit_event WHERE action = 'auth.login_failed'`,
    );
    t.true((failures?.n ?? 0) <= 10_000, `${failures?.n} failure rows`);
    const summed = (await get('action=auth.login_failed&limit=1')).body.events[0] as AuditEvent & {
      count: number;
      lastAt: string | null;
    };
    t.like(summed, { address: '192.0.2.50', username: null, count: 20, details: { reason: 'unknown_user' } });
    t.true(summed.lastAt !== null && summed.lastAt >= summed.at, `${summed.at} – ${summed.lastAt}`);
  });
});

test('each event says where it came from: the web (with its address), the router itself, or the console', async (t) => {
  await withApi({}, async (api) => {
    const admin = await setupAdmin(api);
    await login(api, { username: 'admin', password: 'not the password' });
    const audit = api.app.get(AuditService);
    await audit.record({ action: 'gateway.failover', actor: null, address: null, target: 'Backup server' });
    await audit.record({
      action: 'user.password_reset',
      actor: { username: 'admin' },
      address: null,
      origin: 'console',
    });
    const { body } = await call<{ events: Array<{ action: string; origin: string; address: string | null }> }>(
      api,
      '/api/audit',
      { session: admin },
    );
    const origin = (action: string) => body.events.find((event) => event.action === action)?.origin;
    t.is(origin('setup.completed'), 'web');
    t.is(origin('auth.login_failed'), 'web', 'summed failures keep their origin too');
    t.is(origin('gateway.failover'), 'system');
    t.is(origin('user.password_reset'), 'console');
    const [row] = await api.app
      .get(DataSource)
      .query<Array<{ n: number }>>(
        `SELECT count(*) AS n FROM "audit_event" WHERE "origin" NOT IN ('web', 'console', 'system')`,
      );
    t.is(row?.n, 0);
    await t.throwsAsync(
      api.app.get(DataSource).query(`UPDATE "audit_event" SET "origin" = 'elsewhere'`),
      { message: /CHECK constraint failed/ },
      'the database refuses any other origin',
    );
  });
});
