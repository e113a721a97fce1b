// Tunnel profiles through the API: provider files import (or are refused line by line, changing nothing), keys
// never come back except in the password-confirmed export, the order and the choice reach the desired state
// burrowd would get, and the kill switch is audited.
import {
  BROKEN_FILES,
  GOOD_FILES,
  PRESHARED_KEY,
  PRIVATE_KEY,
  SECRETS,
  SERVER_KEY,
} from '@burrow/api/tunnels/testing/provider-files';
import { DesiredStateService } from '@burrow/api/services/desired-state.service';
import { networkSchema, parseDesiredStateV2 } from '@burrow/firmware/control/desired-state-v2';
import test from 'ava';
import { type InProcessApi } from './in-process-api.js';
import {
  ADMIN_PASSWORD,
  call,
  createUser,
  readBody,
  setupAdmin,
  signIn,
  VIEWER_PASSWORD,
  withApi,
  type Session,
} from './session-client.js';

interface Tunnel {
  id: number;
  name: string;
  priority: number;
  enabled: boolean;
  selected: boolean;
  publicKey: string;
  warnings: string[];
  peers: Array<{ endpoint: string; hasPresharedKey: boolean }>;
}

const BOARD = networkSchema.parse({
  wan: { interface: 'wan0' },
  lan: {
    ports: ['lan1p'],
    address: '100.64.8.1/24',
    dhcp: { rangeStart: '100.64.8.100', rangeEnd: '100.64.8.199' },
  },
});

async function importFile(api: InProcessApi, admin: Session, name: string, config: string) {
  return call<{ tunnel: Tunnel; notices: string[] }>(api, '/api/tunnels', {
    method: 'POST',
    session: admin,
    body: { name, config },
  });
}

async function exportFile(api: InProcessApi, session: Session, id: number, password?: string) {
  const response = await fetch(`${api.url}/api/tunnels/${id}/export`, {
    method: password === undefined ? 'GET' : 'POST',
    headers: {
      cookie: `__Host-burrow_session=${session.token}; burrow_session=${session.token}`,
      ...(password === undefined ? {} : { 'content-type': 'application/json', 'x-csrf-token': session.csrfToken }),
    },
    ...(password === undefined ? {} : { body: JSON.stringify({ password }) }),
  });
  return { status: response.status, text: await response.text(), headers: response.headers };
}

test('every provider file of the corpus imports, in order, with its warnings and notices', async (t) => {
  await withApi({}, async (api) => {
    const admin = await setupAdmin(api);
    for (const [name, config] of Object.entries(GOOD_FILES)) {
      const reply = await importFile(api, admin, name, config);
      t.is(reply.status, 201, `${name}: ${JSON.stringify(reply.body)}`);
    }
    const list = await call<Tunnel[]>(api, '/api/tunnels', { session: admin });
    t.deepEqual(
      list.body.map((tunnel) => [tunnel.name, tunnel.priority]),
      Object.keys(GOOD_FILES).map((name, index) => [name, index]),
    );
    const several = list.body.find((tunnel) => tunnel.name === 'several peers')!;
    t.is(several.peers.length, 2);
    const psk = list.body.find((tunnel) => tunnel.name === 'preshared key')!;
    t.true(psk.peers[0]!.hasPresharedKey);
    const partial = await importFile(
      api,
      admin,
      'office only',
      GOOD_FILES['ipv4 only']!.replace('0.0.0.0/0', '10.0.0.0/8'),
    );
    t.regex(partial.body.tunnel.warnings.join(' '), /only 10\.0\.0\.0\/8 will go through the tunnel/);
  });
});

test('a broken file is a 400 naming each line and field, never quoting a key, and nothing is saved', async (t) => {
  await withApi({}, async (api) => {
    const admin = await setupAdmin(api);
    for (const [name, broken] of Object.entries(BROKEN_FILES)) {
      const reply = await call<{
        code: string;
        problems: Array<{ line: number | null; field: string | null; message: string }>;
      }>(api, '/api/tunnels', { method: 'POST', session: admin, body: { name, config: broken.text } });
      t.is(reply.status, 400, name);
      t.is(reply.body.code, 'tunnel_config_invalid', name);
      t.true(
        reply.body.problems.some(
          (problem) =>
            broken.message.test(problem.message) && problem.line === broken.line && problem.field === broken.field,
        ),
        `${name}: ${JSON.stringify(reply.body.problems)}`,
      );
      for (const secret of SECRETS) {
        t.false(JSON.stringify(reply.body).includes(secret), `${name} echoes a key`);
      }
    }
    t.deepEqual((await call<Tunnel[]>(api, '/api/tunnels', { session: admin })).body, []);
    const hook = api.logs.filter((line) => JSON.stringify(line).includes(PRIVATE_KEY));
    t.deepEqual(hook, [], 'no log line holds a key');
  });
});

test('check reads a file and saves nothing', async (t) => {
  await withApi({}, async (api) => {
    const admin = await setupAdmin(api);
    const reply = await call<{ notices: string[]; peers: unknown[] }>(api, '/api/tunnels/check', {
      method: 'POST',
      session: admin,
      body: { config: GOOD_FILES['comments, odd spacing and key case'] },
    });
    t.is(reply.status, 200);
    t.is(reply.body.notices.length, 2);
    t.deepEqual((await call<Tunnel[]>(api, '/api/tunnels', { session: admin })).body, []);
  });
});

test('no route returns a stored private or preshared key; the export has them only with the password', async (t) => {
  await withApi({}, async (api) => {
    const admin = await setupAdmin(api);
    const { tunnel } = (await importFile(api, admin, 'Provider A', GOOD_FILES['preshared key']!)).body;
    await importFile(api, admin, 'Provider B', GOOD_FILES['dual stack with keepalive']!);

    const document = (await call<{ paths: Record<string, Record<string, unknown>> }>(api, '/api/openapi.json')).body;
    const getPaths = Object.entries(document.paths)
      .filter(([, methods]) => 'get' in methods)
      .map(([path]) => path.replace('{id}', String(tunnel.id)));
    t.true(getPaths.includes(`/api/tunnels/${tunnel.id}/export`));
    for (const path of getPaths) {
      const response = await fetch(`${api.url}${path}`, {
        headers: { cookie: `__Host-burrow_session=${admin.token}; burrow_session=${admin.token}` },
      });
      const body = (await readBody(response)).toString('utf8');
      for (const secret of SECRETS) {
        t.false(body.includes(secret), `${path} returns a key`);
      }
    }

    const plain = await exportFile(api, admin, tunnel.id);
    t.is(plain.status, 200);
    t.regex(plain.headers.get('content-disposition') ?? '', /attachment; filename="?Provider-A\.conf"?/);
    t.true(plain.text.includes(SERVER_KEY));

    const wrong = await exportFile(api, admin, tunnel.id, 'not the password');
    t.is(wrong.status, 400);
    t.false(wrong.text.includes(PRIVATE_KEY));

    const full = await exportFile(api, admin, tunnel.id, ADMIN_PASSWORD);
    t.is(full.status, 200);
    t.true(full.text.includes(`PrivateKey = ${PRIVATE_KEY}`));
    t.true(full.text.includes(`PresharedKey = ${PRESHARED_KEY}`));
    const audit = await call<{ events: Array<{ action: string; target: string }> }>(
      api,
      '/api/audit?action=tunnel.exported_with_keys',
      {
        session: admin,
      },
    );
    t.deepEqual(
      audit.body.events.map((event) => event.target),
      ['Provider A'],
    );

    // Export then import gives the same profile.
    const again = await importFile(api, admin, 'Provider A again', full.text);
    t.is(again.status, 201);
    const {
      id: _a,
      name: _n,
      priority: _p,
      createdAt: _c,
      updatedAt: _u,
      ...first
    } = tunnel as Tunnel & Record<string, unknown>;
    const {
      id: _a2,
      name: _n2,
      priority: _p2,
      createdAt: _c2,
      updatedAt: _u2,
      ...second
    } = again.body.tunnel as Tunnel & Record<string, unknown>;
    t.deepEqual(second, first);
  });
});

test('order, enable, choose and delete shape the desired state burrowd gets, which burrowd accepts', async (t) => {
  await withApi({}, async (api) => {
    const admin = await setupAdmin(api);
    const a = (await importFile(api, admin, 'A', GOOD_FILES['ipv4 only']!)).body.tunnel;
    const b = (await importFile(api, admin, 'B', GOOD_FILES['dual stack with keepalive']!)).body.tunnel;
    const c = (await importFile(api, admin, 'C', GOOD_FILES['preshared key']!)).body.tunnel;
    const desired = api.app.get(DesiredStateService);
    const order = async () => {
      const state = await desired.build();
      const parsed = parseDesiredStateV2(state, BOARD);
      t.true(parsed.ok, JSON.stringify(parsed.ok ? null : parsed.errors));
      return parsed.ok
        ? [parsed.state.upstream.profiles.map((profile) => profile.name), parsed.state.upstream.selectedId]
        : [];
    };
    t.deepEqual(await order(), [['A', 'B', 'C'], null]);

    t.is(
      (await call(api, `/api/tunnels/${c.id}`, { method: 'PATCH', session: admin, body: { priority: 0 } })).status,
      200,
    );
    t.is(
      (await call(api, `/api/tunnels/${a.id}`, { method: 'PATCH', session: admin, body: { enabled: false } })).status,
      200,
    );
    t.deepEqual(await order(), [['C', 'B'], null]);

    t.is((await call(api, `/api/tunnels/${b.id}/activate`, { method: 'POST', session: admin })).status, 200);
    t.deepEqual(await order(), [['C', 'B'], b.id]);
    const refused = await call<{ code: string }>(api, `/api/tunnels/${a.id}/activate`, {
      method: 'POST',
      session: admin,
    });
    t.is(refused.status, 409);

    const renamed = await call<Tunnel>(api, `/api/tunnels/${b.id}`, {
      method: 'PATCH',
      session: admin,
      body: { name: 'c' },
    });
    t.is(renamed.status, 409, 'names are unique regardless of case');

    t.is((await call(api, `/api/tunnels/${b.id}`, { method: 'DELETE', session: admin })).status, 204);
    t.deepEqual(await order(), [['C'], null], 'deleting the chosen profile forgets the choice');
    const list = (await call<Tunnel[]>(api, '/api/tunnels', { session: admin })).body;
    t.deepEqual(
      list.map((tunnel) => [tunnel.name, tunnel.priority]),
      [
        ['C', 0],
        ['A', 1],
      ],
    );
  });
});

test('the kill switch is on by default; turning it off is audited; the profile in use cannot be deleted then', async (t) => {
  await withApi({}, async (api) => {
    const admin = await setupAdmin(api);
    const a = (await importFile(api, admin, 'A', GOOD_FILES['ipv4 only']!)).body.tunnel;
    const gateway = await call<{
      killSwitch: boolean;
      reachable: boolean;
      sync: { state: string };
      tunnel: { state: string };
    }>(api, '/api/gateway', { session: admin });
    t.like(gateway.body, {
      killSwitch: true,
      reachable: false,
      sync: { state: 'pending' },
      tunnel: { state: 'unknown' },
    });

    const off = await call<{ killSwitch: boolean }>(api, '/api/gateway/kill-switch', {
      method: 'PUT',
      session: admin,
      body: { enabled: false },
    });
    t.is(off.status, 200);
    t.false(off.body.killSwitch);
    t.false((await api.app.get(DesiredStateService).build()).killSwitch);
    const inUse = await call<{ code: string }>(api, `/api/tunnels/${a.id}`, { method: 'DELETE', session: admin });
    t.like(inUse, { status: 409, body: { code: 'tunnel_in_use' } });

    await call(api, '/api/gateway/kill-switch', { method: 'PUT', session: admin, body: { enabled: true } });
    const audit = await call<{ events: Array<{ action: string }> }>(api, '/api/audit', { session: admin });
    const actions = audit.body.events.map((event) => event.action);
    t.true(actions.includes('gateway.kill_switch_off'));
    t.true(actions.includes('gateway.kill_switch_on'));
    t.is((await call(api, `/api/tunnels/${a.id}`, { method: 'DELETE', session: admin })).status, 204);
  });
});

test('a viewer sees the profiles and the gateway but changes nothing', async (t) => {
  await withApi({}, async (api) => {
    const admin = await setupAdmin(api);
    await createUser(api, admin, 'vera', VIEWER_PASSWORD, 'viewer');
    const viewer = await signIn(api, 'vera', VIEWER_PASSWORD);
    const a = (await importFile(api, admin, 'A', GOOD_FILES['ipv4 only']!)).body.tunnel;
    t.is((await call(api, '/api/tunnels', { session: viewer })).status, 200);
    t.is((await call(api, '/api/gateway', { session: viewer })).status, 200);
    t.is((await importFile(api, viewer, 'B', GOOD_FILES['ipv4 only']!)).status, 403);
    t.is((await exportFile(api, viewer, a.id, VIEWER_PASSWORD)).status, 403);
    t.is(
      (await call(api, '/api/gateway/kill-switch', { method: 'PUT', session: viewer, body: { enabled: false } }))
        .status,
      403,
    );
  });
});
