// Who may call what. Write routes are enumerated from the app's own OpenAPI document, so a route added
// later is covered without touching this test. (A route that declares nothing: api/src/middleware/auth.guard.test.ts.)
import test from 'ava';
import { DataSource } from 'typeorm';
import { call, createUser, setupAdmin, signIn, VIEWER_PASSWORD, withApi } from './session-client.js';

interface Operation {
  'x-burrow-permission'?: string;
}
type OpenApi = { paths: Record<string, Record<string, Operation>> };

const WRITE_METHODS = ['post', 'put', 'patch', 'delete'];
/** The write routes any signed-in user (or nobody) may call: each acts only on the caller's own account. */
const NOT_ADMIN_ONLY = [
  'DELETE /api/account/totp self',
  'DELETE /api/auth/sessions/{id} self',
  'POST /api/account/password self',
  'POST /api/account/totp/confirm self',
  'POST /api/account/totp/enrol self',
  'POST /api/account/totp/recovery-codes self',
  'POST /api/auth/login public',
  'POST /api/auth/logout self',
  'POST /api/setup public',
];

const operations = (document: OpenApi) =>
  Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({
      method: method.toUpperCase(),
      path,
      permission: operation['x-burrow-permission'],
    })),
  );

test('every operation in the OpenAPI document declares who may call it', async (t) => {
  await withApi({}, async (api) => {
    const document = (await call<OpenApi>(api, '/api/openapi.json')).body;
    for (const { method, path, permission } of operations(document)) {
      t.true(
        ['public', 'read', 'self', 'admin', 'metrics'].includes(permission ?? ''),
        `${method} ${path}: ${permission}`,
      );
      if (permission === 'read' || permission === 'metrics') {
        t.is(method, 'GET', `${path} is declared read-only`);
      }
    }
  });
});

test('a viewer gets 403 on every admin write route in the OpenAPI document, and nothing changes', async (t) => {
  await withApi({}, async (api) => {
    const admin = await setupAdmin(api);
    const viewerUser = await createUser(api, admin, 'vera', VIEWER_PASSWORD, 'viewer');
    const viewer = await signIn(api, 'vera', VIEWER_PASSWORD);
    const dataSource = api.app.get(DataSource);
    const snapshot = async () => ({
      users: await dataSource.query<unknown[]>('SELECT * FROM "user" ORDER BY id'),
      settings: await dataSource.query<unknown[]>('SELECT * FROM setting ORDER BY key'),
      sessions: await dataSource.query<unknown[]>('SELECT handle FROM session ORDER BY handle'),
      backups: await dataSource.query<unknown[]>('SELECT * FROM backup ORDER BY id'),
    });
    const before = await snapshot();

    const document = (await call<OpenApi>(api, '/api/openapi.json')).body;
    const writes = operations(document).filter(({ method }) => WRITE_METHODS.includes(method.toLowerCase()));
    t.deepEqual(
      writes
        .filter(({ permission }) => permission !== 'admin')
        .map(({ method, path, permission }) => `${method} ${path} ${permission}`)
        .sort(),
      NOT_ADMIN_ONLY,
    );
    const adminWrites = writes.filter(({ permission }) => permission === 'admin');
    t.true(adminWrites.length >= 5, `${adminWrites.length} admin write routes`);
    for (const { method, path } of adminWrites) {
      // A real target, and a body that would pass validation, so only the permission can stop it.
      const url = path.replace('{id}', String(admin.user.id));
      const body = {
        username: 'sneaky',
        password: 'sneaky-password-99',
        role: 'admin',
        idleTimeoutMinutes: 5,
        absoluteLifetimeHours: 1,
        requireTotp: true,
      };
      const reply = await call(api, url, { method, body, session: viewer });
      t.is(reply.status, 403, `${method} ${path}`);
      t.like(reply.body, { code: 'forbidden' }, `${method} ${path}`);
    }
    for (const path of [
      '/api/users',
      '/api/audit',
      '/api/settings/security',
      '/api/events/webhook',
      '/api/backups',
      '/api/backups/settings',
      `/api/backups/${admin.user.id}/download`,
      '/api/system/console-password',
    ]) {
      t.is((await call(api, path, { session: viewer })).status, 403, `GET ${path}`);
    }
    t.deepEqual(await snapshot(), before);
    t.is((await call(api, '/api/system/status', { session: viewer })).status, 200);
    t.is(viewerUser.role, 'viewer');
  });
});
