// Remote access and the household's LAN devices through the API, against a fake burrowd: every route, the .conf
// and its QR code, what reaches burrowd's desired state (policies, reservations, remote peers; disabled and expired
// devices left out), bad input refused naming the field with nothing changed, and no GET answer carrying a key.
import { GOOD_FILES, SECRETS } from '@burrow/api/tunnels/testing/provider-files';
import { RemoteDeviceRepository } from '@burrow/api/repositories/remote-device.repository';
import { DesiredStateService } from '@burrow/api/services/desired-state.service';
import { StatusHubService } from '@burrow/api/services/status-hub.service';
import { networkSchema, parseDesiredStateV2 } from '@burrow/firmware/control/desired-state-v2';
import test from 'ava';
import jsQRModule from 'jsqr';
import { PNG } from 'pngjs';
import { type InProcessApi } from './in-process-api.js';
import { call, setupAdmin, type Session, withFakeBurrowd } from './session-client.js';

interface RemoteAccess {
  enabled: boolean;
  listenPort: number;
  addressV4: string;
  addressV6: string | null;
  endpointHost: string | null;
  wanAddress: string | null;
  publicKey: string | null;
}

interface RemoteDevice {
  id: number;
  name: string;
  publicKey: string;
  addresses: string[];
  reach: 'lan' | 'internet';
  enabled: boolean;
  expiresAt: string | null;
  expired: boolean;
  keysGeneratedOnBox: boolean;
  lastHandshakeAt: string | null;
  endpoint: string | null;
  rxBytes: number;
  txBytes: number;
}

interface Created {
  device: RemoteDevice;
  config: string;
  qrCode: string;
  fileName: string;
}

interface LanDevice {
  mac: string;
  name: string | null;
  hostname: string | null;
  ipv4: string[];
  online: boolean;
  rxBytes: number;
  txBytes: number;
  policy: string;
  reservation: string | null;
}

interface ErrorBody {
  code?: string;
  message: string | string[];
  problems?: Array<{ field: string | null }>;
}

const BOARD = networkSchema.parse({
  wan: { interface: 'wan0' },
  lan: {
    ports: ['lan1p'],
    address: '192.168.8.1/24',
    dhcp: { rangeStart: '192.168.8.100', rangeEnd: '192.168.8.250' },
  },
});

// jsqr is CommonJS with an ES default export: under Node's interop the function is one `default` further down.
type DecodeQr = (data: Uint8ClampedArray, width: number, height: number) => { binaryData: number[] } | null;
const jsQR = ((jsQRModule as unknown as { default?: DecodeQr }).default ?? jsQRModule) as DecodeQr;

const PHONE_KEY = Buffer.alloc(32, 0x5a).toString('base64');

function report(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    state: {
      lan: {
        address: '192.168.8.1/24',
        dhcp: { rangeStart: '192.168.8.100', rangeEnd: '192.168.8.250', leaseSeconds: 43200 },
        domain: 'lan',
      },
    },
    interfaces: [
      {
        name: 'wan0',
        role: 'wan',
        addresses: [{ family: 'ipv4', address: '203.0.113.5', prefixLength: 24 }],
      },
    ],
    remoteAccess: null,
    lanDevices: [],
    ...extra,
  };
}

async function enable(api: InProcessApi, admin: Session, changes: Partial<RemoteAccess> = {}) {
  return call<RemoteAccess>(api, '/api/remote-access', {
    method: 'PUT',
    session: admin,
    body: {
      enabled: true,
      listenPort: 51820,
      addressV4: '10.99.0.1/24',
      addressV6: 'fd99::1/64',
      endpointHost: null,
      ...changes,
    },
  });
}

async function addDevice(api: InProcessApi, admin: Session, body: Record<string, unknown>) {
  return call<Created>(api, '/api/remote-access/devices', { method: 'POST', session: admin, body });
}

/** What burrowd was last asked to apply, checked by burrowd's own parser. */
async function lastApplied(api: InProcessApi) {
  const desired = api.app.get(DesiredStateService);
  await desired.settled();
  const parsed = parseDesiredStateV2(await desired.build(), BOARD);
  if (!parsed.ok) {
    throw new Error(parsed.errors.join('; '));
  }
  return parsed.state;
}

function decodeQr(dataUrl: string): string {
  const prefix = 'data:image/png;base64,';
  if (!dataUrl.startsWith(prefix)) {
    throw new Error('not a PNG data URL');
  }
  const png = PNG.sync.read(Buffer.from(dataUrl.slice(prefix.length), 'base64'));
  const code = jsQR(Uint8ClampedArray.from(png.data), png.width, png.height);
  if (code === null) {
    throw new Error('no QR code found');
  }
  return Buffer.from(code.binaryData).toString('utf8');
}

function freshReport(api: InProcessApi): void {
  api.app.get(StatusHubService).invalidate();
}

test('remote access: enable, add a device with keys made here; the QR code is exactly the .conf', async (t) => {
  await withFakeBurrowd(report(), async (api) => {
    const admin = await setupAdmin(api);
    const before = await call<RemoteAccess>(api, '/api/remote-access', { session: admin });
    t.is(before.status, 200);
    t.like(before.body, { enabled: false, listenPort: 51820, publicKey: null, wanAddress: '203.0.113.5' });

    const enabled = await enable(api, admin, { endpointHost: 'home.example.net' });
    t.is(enabled.status, 200, JSON.stringify(enabled.body));
    t.true(enabled.body.enabled);
    t.regex(enabled.body.publicKey ?? '', /^[A-Za-z0-9+/]{43}=$/);

    const created = await addDevice(api, admin, { name: 'Anna’s phone', reach: 'lan' });
    t.is(created.status, 201, JSON.stringify(created.body));
    t.is(created.headers.get('cache-control'), 'no-store');
    const { device, config, qrCode, fileName } = created.body;
    t.deepEqual(device.addresses, ['10.99.0.2/32', 'fd99::2/128']);
    t.true(device.keysGeneratedOnBox);
    t.is(fileName, 'Anna-s-phone.conf');
    t.is(decodeQr(qrCode), config);
    const lines = config.split('\n');
    t.regex(config, /^\[Interface\]\nPrivateKey = [A-Za-z0-9+/]{43}=\n/);
    t.true(lines.includes('Address = 10.99.0.2/32, fd99::2/128'));
    t.true(lines.includes('DNS = 10.99.0.1, fd99::1'));
    t.true(lines.includes(`PublicKey = ${enabled.body.publicKey}`));
    t.true(lines.includes('AllowedIPs = 192.168.8.0/24, 10.99.0.0/24, fd99::/64'));
    t.true(lines.includes('Endpoint = home.example.net:51820'));
    t.true(lines.includes('PersistentKeepalive = 25'));
    t.regex(config, /\nPresharedKey = [A-Za-z0-9+/]{43}=\n/);

    // A second device, with its own public key and the Internet: no private key line, the whole Internet allowed.
    const pasted = await addDevice(api, admin, { name: 'laptop', reach: 'internet', publicKey: PHONE_KEY });
    t.is(pasted.status, 201, JSON.stringify(pasted.body));
    t.false(pasted.body.device.keysGeneratedOnBox);
    t.is(pasted.body.device.publicKey, PHONE_KEY);
    t.notRegex(pasted.body.config, /^PrivateKey/m);
    t.regex(pasted.body.config, /^# PrivateKey = \(held by the device/m);
    t.true(pasted.body.config.split('\n').includes('AllowedIPs = 0.0.0.0/0, ::/0'));
    t.is(decodeQr(pasted.body.qrCode), pasted.body.config);

    // Without an endpoint name the WAN address burrowd reports is the endpoint.
    t.is((await enable(api, admin)).status, 200);
    const rekeyed = await call<Created>(api, `/api/remote-access/devices/${device.id}/rekey`, {
      method: 'POST',
      session: admin,
    });
    t.is(rekeyed.status, 200);
    t.not(rekeyed.body.device.publicKey, device.publicKey);
    t.true(rekeyed.body.config.split('\n').includes('Endpoint = 203.0.113.5:51820'));
    t.is(decodeQr(rekeyed.body.qrCode), rekeyed.body.config);

    const list = await call<RemoteDevice[]>(api, '/api/remote-access/devices', { session: admin });
    t.deepEqual(
      list.body.map((entry) => [entry.name, entry.publicKey]),
      [
        ['Anna’s phone', rekeyed.body.device.publicKey],
        ['laptop', PHONE_KEY],
      ],
    );
  });
});

test('the desired state carries the enabled, unexpired remote devices, the policies and the reservations', async (t) => {
  await withFakeBurrowd(report(), async (api, burrowd) => {
    const admin = await setupAdmin(api);
    t.is((await enable(api, admin)).status, 200);
    const kept = (await addDevice(api, admin, { name: 'kept', reach: 'internet' })).body.device;
    const disabled = (await addDevice(api, admin, { name: 'disabled', reach: 'lan' })).body.device;
    const expiring = (
      await addDevice(api, admin, { name: 'expiring', reach: 'lan', expiresAt: '2999-01-01T00:00:00Z' })
    ).body.device;
    const gone = (await addDevice(api, admin, { name: 'gone', reach: 'lan' })).body.device;
    const patched = await call<RemoteDevice>(api, `/api/remote-access/devices/${disabled.id}`, {
      method: 'PATCH',
      session: admin,
      body: { enabled: false, name: 'disabled now' },
    });
    t.is(patched.status, 200);
    t.like(patched.body, { enabled: false, name: 'disabled now' });
    t.is((await call(api, `/api/remote-access/devices/${gone.id}`, { method: 'DELETE', session: admin })).status, 204);
    t.is((await call(api, `/api/remote-access/devices/${gone.id}`, { method: 'DELETE', session: admin })).status, 404);

    let state = await lastApplied(api);
    t.deepEqual(
      state.remoteAccess?.peers.map((peer) => [peer.id, peer.reach, peer.expiresAt ?? null]),
      [
        [kept.id, 'internet', null],
        [expiring.id, 'lan', '2999-01-01T00:00:00.000Z'],
      ],
    );
    t.deepEqual(state.remoteAccess?.peers[0]?.allowedIps, ['10.99.0.2/32', 'fd99::2/128']);
    t.truthy(state.remoteAccess?.peers[0]?.presharedKey);

    // Expired (its expiry moved into the past behind the API's back): left out.
    await api.app
      .get(RemoteDeviceRepository)
      .update(expiring.id, { expiresAt: '2001-01-01T00:00:00.000Z' }, new Date());
    state = await lastApplied(api);
    t.deepEqual(
      state.remoteAccess?.peers.map((peer) => peer.id),
      [kept.id],
    );
    const listed = await call<RemoteDevice[]>(api, '/api/remote-access/devices', { session: admin });
    t.true(listed.body.find((device) => device.id === expiring.id)!.expired);

    // Per-device policy and a reservation, also for a MAC not seen yet.
    const blocked = await call<LanDevice>(api, '/api/devices/3C-22-FB-12-34-56', {
      method: 'PATCH',
      session: admin,
      body: { policy: 'blocked', name: 'tv' },
    });
    t.is(blocked.status, 200, JSON.stringify(blocked.body));
    t.like(blocked.body, { mac: '3c:22:fb:12:34:56', policy: 'blocked', name: 'tv' });
    const reserved = await call<LanDevice>(api, '/api/devices/3c:22:fb:00:00:02', {
      method: 'PATCH',
      session: admin,
      body: { reservation: '192.168.8.20', policy: 'direct' },
    });
    t.is(reserved.status, 200, JSON.stringify(reserved.body));
    state = await lastApplied(api);
    t.deepEqual(state.lan?.policies, [
      { mac: '3c:22:fb:00:00:02', policy: 'direct' },
      { mac: '3c:22:fb:12:34:56', policy: 'blocked' },
    ]);
    t.deepEqual(state.lan?.reservations, [{ mac: '3c:22:fb:00:00:02', ipv4: '192.168.8.20' }]);
    // The LAN settings were never saved: address and DHCP are the board's.
    t.is(state.lan?.address, undefined);
    t.is(state.lan?.dhcp, undefined);

    // burrowd itself got them.
    await api.app.get(DesiredStateService).settled();
    const sent = burrowd.applied.at(-1) as { lan: { policies: unknown[] }; remoteAccess: { peers: unknown[] } };
    t.is(sent.lan.policies.length, 2);
    t.is(sent.remoteAccess.peers.length, 1);

    // Remote access off: null.
    t.is((await enable(api, admin, { enabled: false })).status, 200);
    t.is((await lastApplied(api)).remoteAccess, null);
  });
});

test('LAN devices: seen in the report, bytes accumulated across a counter reset, online; GET and PUT /api/lan', async (t) => {
  const device = (rx: number, tx: number, neighbour: string | null) => ({
    mac: 'aa:bb:cc:00:00:01',
    hostname: 'laptop',
    ipv4: ['192.168.8.101'],
    ipv6: [],
    neighbour,
    leaseExpires: null,
    rxBytes: rx,
    txBytes: tx,
  });
  await withFakeBurrowd(report({ lanDevices: [device(100, 10, 'reachable')] }), async (api, burrowd) => {
    const admin = await setupAdmin(api);
    const first = await call<LanDevice[]>(api, '/api/devices', { session: admin });
    t.is(first.status, 200);
    t.like(first.body[0], { mac: 'aa:bb:cc:00:00:01', name: 'laptop', online: true, rxBytes: 0, policy: 'tunnel' });
    burrowd.status = report({ lanDevices: [device(300, 40, 'reachable')] });
    freshReport(api);
    t.like((await call<LanDevice[]>(api, '/api/devices', { session: admin })).body[0], { rxBytes: 200, txBytes: 30 });
    // burrowd restarted: its counters start again; what they hold now is new.
    burrowd.status = report({ lanDevices: [device(50, 5, 'stale')] });
    freshReport(api);
    t.like((await call<LanDevice[]>(api, '/api/devices', { session: admin })).body[0], {
      rxBytes: 250,
      txBytes: 35,
      online: false,
    });

    const lan = await call<Record<string, unknown>>(api, '/api/lan', { session: admin });
    t.deepEqual(lan.body, {
      address: '192.168.8.1/24',
      dhcp: { rangeStart: '192.168.8.100', rangeEnd: '192.168.8.250', leaseSeconds: 43200 },
      domain: 'lan',
      ipv6Prefix: null,
    });
    const put = await call(api, '/api/lan', {
      method: 'PUT',
      session: admin,
      body: {
        address: '192.168.50.1/24',
        dhcp: { rangeStart: '192.168.50.10', rangeEnd: '192.168.50.99', leaseSeconds: 3600 },
        domain: 'Home.Arpa',
      },
    });
    t.is(put.status, 200, JSON.stringify(put.body));
    t.like(put.body, { address: '192.168.50.1/24', domain: 'home.arpa' });
    const state = await lastApplied(api);
    t.is(state.lan?.address, '192.168.50.1/24');
    t.is(state.lan?.domain, 'home.arpa');
  });
});

test("PUT /api/lan that would cut off the admin's own device is a 409 unless confirmed", async (t) => {
  // The test's client is 127.0.0.1: a LAN of 127.0.0.0/8 holds it.
  const onLoopback = report();
  (onLoopback['state'] as { lan: { address: string } }).lan.address = '127.0.0.1/8';
  await withFakeBurrowd(onLoopback, async (api) => {
    const admin = await setupAdmin(api);
    const body = {
      address: '192.168.9.1/24',
      dhcp: { rangeStart: '192.168.9.100', rangeEnd: '192.168.9.200', leaseSeconds: 3600 },
      domain: 'lan',
    };
    const refused = await call<ErrorBody>(api, '/api/lan', { method: 'PUT', session: admin, body });
    t.is(refused.status, 409);
    t.is(refused.body.code, 'lan_cut_off');
    t.is((await call<{ address: string }>(api, '/api/lan', { session: admin })).body.address, '127.0.0.1/8');
    const confirmed = await call(api, '/api/lan', { method: 'PUT', session: admin, body: { ...body, confirm: true } });
    t.is(confirmed.status, 200);
    t.is((await call<{ address: string }>(api, '/api/lan', { session: admin })).body.address, '192.168.9.1/24');
  });
});

test('bad input is a 400 naming the field, and nothing changes', async (t) => {
  await withFakeBurrowd(report({ state: { ...report()['state']!, tunnel: { listenPort: 51999 } } }), async (api) => {
    const admin = await setupAdmin(api);
    t.is(
      (
        await call(api, '/api/tunnels', {
          method: 'POST',
          session: admin,
          body: { name: 'vpn', config: GOOD_FILES['ipv4 only'] },
        })
      ).status,
      201,
    );
    t.is((await enable(api, admin)).status, 200);
    const phone = (await addDevice(api, admin, { name: 'phone', reach: 'lan' })).body.device;
    t.is(
      (
        await call(api, '/api/devices/3c:22:fb:00:00:09', {
          method: 'PATCH',
          session: admin,
          body: { reservation: '192.168.8.30' },
        })
      ).status,
      200,
    );
    const snapshot = async () =>
      JSON.stringify([
        (await call(api, '/api/remote-access', { session: admin })).body,
        (await call(api, '/api/remote-access/devices', { session: admin })).body,
        (await call(api, '/api/devices', { session: admin })).body,
        (await call(api, '/api/lan', { session: admin })).body,
      ]);
    const before = await snapshot();
    const cases: Array<[string, string, string, unknown]> = [
      ['PUT', '/api/remote-access', 'addressV4', { addressV4: '192.168.8.5/24' }],
      ['PUT', '/api/remote-access', 'addressV4', { addressV4: '10.2.0.1/16' }],
      ['PUT', '/api/remote-access', 'addressV4', { addressV4: '10.99.0.0/24' }],
      ['PUT', '/api/remote-access', 'addressV6', { addressV6: '10.0.0.1/24' }],
      ['PUT', '/api/remote-access', 'listenPort', { listenPort: 51999 }],
      ['PUT', '/api/remote-access', 'listenPort', { listenPort: 53 }],
      ['PUT', '/api/remote-access', 'endpointHost', { endpointHost: 'home\u0007.example' }],
      ['POST', '/api/remote-access/devices', 'publicKey', { name: 'x', reach: 'lan', publicKey: 'not-a-key' }],
      ['POST', '/api/remote-access/devices', 'publicKey', { name: 'x', reach: 'lan', publicKey: phone.publicKey }],
      ['POST', '/api/remote-access/devices', 'name', { name: 'evil\nname', reach: 'lan' }],
      ['POST', '/api/remote-access/devices', 'name', { name: '   ', reach: 'lan' }],
      [
        'POST',
        '/api/remote-access/devices',
        'expiresAt',
        { name: 'x', reach: 'lan', expiresAt: '2001-01-01T00:00:00Z' },
      ],
      ['PATCH', `/api/remote-access/devices/${phone.id}`, 'name', { name: 'a\u202Eb' }],
      ['PATCH', '/api/devices/not-a-mac', 'mac', { policy: 'blocked' }],
      ['PATCH', '/api/devices/01:00:5e:00:00:01', 'mac', { policy: 'blocked' }],
      ['PATCH', '/api/devices/3c:22:fb:00:00:01', 'reservation', { reservation: '10.0.0.5' }],
      ['PATCH', '/api/devices/3c:22:fb:00:00:01', 'reservation', { reservation: '192.168.8.1' }],
      ['PATCH', '/api/devices/3c:22:fb:00:00:01', 'reservation', { reservation: '192.168.8.30' }],
      ['PATCH', '/api/devices/3c:22:fb:00:00:01', 'name', { name: 'tab\there' }],
      ['PUT', '/api/lan', 'address', { address: '10.99.0.1/24' }],
      ['PUT', '/api/lan', 'address', { address: '10.2.0.1/24' }],
      ['PUT', '/api/lan', 'address', { address: '192.168.7.1/24' }],
      [
        'PUT',
        '/api/lan',
        'dhcp.rangeStart',
        { dhcp: { rangeStart: '10.0.0.1', rangeEnd: '192.168.8.20', leaseSeconds: 3600 } },
      ],
      ['PUT', '/api/lan', 'domain', { domain: 'no spaces' }],
    ];
    const full: Record<string, Record<string, unknown>> = {
      '/api/remote-access': {
        enabled: true,
        listenPort: 51820,
        addressV4: '10.99.0.1/24',
        addressV6: 'fd99::1/64',
        endpointHost: null,
      },
      '/api/lan': {
        address: '192.168.8.1/24',
        dhcp: { rangeStart: '192.168.8.100', rangeEnd: '192.168.8.250', leaseSeconds: 43200 },
        domain: 'lan',
      },
    };
    for (const [method, path, field, body] of cases) {
      const reply = await call<ErrorBody>(api, path, {
        method,
        session: admin,
        body: { ...(full[path] ?? {}), ...(body as object) },
      });
      t.is(reply.status, 400, `${method} ${path} ${JSON.stringify(body)}: ${JSON.stringify(reply.body)}`);
      t.is(reply.body.code, 'field_invalid', `${path} ${JSON.stringify(body)}`);
      t.is(reply.body.problems?.[0]?.field, field, `${path} ${JSON.stringify(body)}`);
      t.true(String(reply.body.message).startsWith(field), String(reply.body.message));
    }
    t.is(await snapshot(), before);
  });
});

test('no GET route returns a stored private or preshared key', async (t) => {
  await withFakeBurrowd(report(), async (api) => {
    const admin = await setupAdmin(api);
    const tunnel = await call<{ tunnel: { id: number } }>(api, '/api/tunnels', {
      method: 'POST',
      session: admin,
      body: { name: 'vpn', config: GOOD_FILES['preshared key'] },
    });
    t.is(tunnel.status, 201);
    t.is((await enable(api, admin)).status, 200);
    const created = await addDevice(api, admin, { name: 'phone', reach: 'internet' });
    t.is(created.status, 201);
    const device = created.body.device;
    t.is(
      (
        await call(api, '/api/devices/3c:22:fb:00:00:03', {
          method: 'PATCH',
          session: admin,
          body: { policy: 'direct' },
        })
      ).status,
      200,
    );
    const state = await lastApplied(api);
    const secrets = [
      ...SECRETS,
      state.remoteAccess!.privateKey,
      ...state.remoteAccess!.peers.map((peer) => peer.presharedKey!),
      /^PrivateKey = (.+)$/m.exec(created.body.config)![1]!,
    ];
    t.is(secrets.length, SECRETS.length + 3);

    const document = (await call<{ paths: Record<string, Record<string, unknown>> }>(api, '/api/openapi.json')).body;
    const ids: Record<string, string> = { id: String(device.id), mac: '3c:22:fb:00:00:03' };
    let checked = 0;
    for (const [path, methods] of Object.entries(document.paths)) {
      if (!('get' in methods) || path === '/api/status/stream') {
        continue;
      }
      const url = path
        .replace('{id}', path.startsWith('/api/tunnels/') ? String(tunnel.body.tunnel.id) : ids['id']!)
        .replace('{mac}', ids['mac']!);
      const query = path.endsWith('/traffic') ? '?range=hour' : path === '/api/audit' ? '?limit=200' : '';
      const response = await fetch(`${api.url}${url}${query}`, {
        headers: { cookie: `__Host-burrow_session=${admin.token}` },
      });
      const body = await response.text();
      for (const secret of secrets) {
        t.false(body.includes(secret), `GET ${url} returns a key`);
      }
      checked++;
    }
    t.true(checked > 20, `${checked} GET routes`);
  });
});
