// Traffic history through the API, on a real SQLite file: burrowd's counters (from a fake burrowd) become bytes per
// profile without double counting across resets and restarts, minutes fold into hours as they age with their sums
// kept, rows stay bounded, and the chart route answers every range with zero-filled points and totals.
import { GOOD_FILES } from '@burrow/api/tunnels/testing/provider-files';
import { TrafficSampleRepository, type TrafficSeries } from '@burrow/api/repositories/traffic-sample.repository';
import { Clock } from '@burrow/api/services/clock';
import { StatusHubService } from '@burrow/api/services/status-hub.service';
import {
  HOUR_RETENTION_SECONDS,
  MINUTE_RETENTION_SECONDS,
  TrafficHistoryService,
} from '@burrow/api/services/traffic-history.service';
import { openMemoryDatabase } from '@burrow/api/testing/database';
import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { startFakeBurrowd, type FakeBurrowd } from '../../helpers/fake-burrowd.js';
import { type InProcessApi, startInProcessApi } from './in-process-api.js';
import {
  ADMIN_PASSWORD,
  call,
  createUser,
  setupAdmin,
  signIn,
  VIEWER_PASSWORD,
  withApi,
  withFakeBurrowd,
  type Session,
} from './session-client.js';

interface Traffic {
  range: string;
  stepSeconds: number;
  points: Array<{ at: string; rxBytes: number; txBytes: number }>;
  totals: { rxBytes: number; txBytes: number };
}

const SERVER_KEY = 'S'.repeat(43) + '=';
const OTHER_KEY = 'T'.repeat(43) + '=';
const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;

/** burrowd's report with `profileId` carrying traffic through an engine whose peers have these counters. */
function burrowdReport(profileId: number | null, peers: Array<[string, number, number]>, enginePid = 100) {
  return {
    state: null,
    engine: { interface: 'wg0', running: true, pid: enginePid, starts: 1 },
    peers: peers.map(([publicKey, rxBytes, txBytes]) => ({
      publicKey,
      endpoint: '203.0.113.1:51820',
      lastHandshake: null,
      rxBytes,
      txBytes,
    })),
    upstream: {
      activeId: profileId,
      profiles: profileId === null ? [] : [{ id: profileId, name: 'provider', state: 'active' }],
      events: [],
    },
  };
}

async function importProfile(api: InProcessApi, admin: Session, name = 'provider'): Promise<number> {
  const reply = await call<{ tunnel: { id: number } }>(api, '/api/tunnels', {
    method: 'POST',
    session: admin,
    body: { name, config: GOOD_FILES['ipv4 only'] },
  });
  if (reply.status !== 201) {
    throw new Error(`import answered ${reply.status}`);
  }
  return reply.body.tunnel.id;
}

/** The chart after burrowd reports `status`: the route reads a fresh report, so the bytes are in the answer. */
async function trafficAfter(
  api: InProcessApi,
  fake: FakeBurrowd,
  session: Session,
  id: number,
  status: unknown,
  range = 'hour',
) {
  fake.status = status;
  api.app.get(StatusHubService).invalidate();
  return call<Traffic>(api, `/api/tunnels/${id}/traffic?range=${range}`, { session });
}

/** burrowd faked for a test that starts its own APIs on it (one data directory across a restart). */
async function withBurrowd(run: (fake: FakeBurrowd) => Promise<void>): Promise<void> {
  const fake = await startFakeBurrowd(burrowdReport(null, []));
  try {
    await run(fake);
  } finally {
    await fake.close();
  }
}

test('counter growth is counted once, a reset counts from zero, and every range answers the same totals', async (t) => {
  await withFakeBurrowd(burrowdReport(null, []), async (api, fake) => {
    const admin = await setupAdmin(api);
    const id = await importProfile(api, admin);
    // The first counters seen only set the baseline: the engine counted them before anyone watched.
    const first = await trafficAfter(api, fake, admin, id, burrowdReport(id, [[SERVER_KEY, 1_000, 100]]));
    t.is(first.status, 200);
    t.deepEqual(first.body.totals, { rxBytes: 0, txBytes: 0 });
    const grown = await trafficAfter(api, fake, admin, id, burrowdReport(id, [[SERVER_KEY, 3_000, 400]]));
    t.deepEqual(grown.body.totals, { rxBytes: 2_000, txBytes: 300 });
    // The engine restarted (or failed over and back): its counter is fresh.
    const reset = await trafficAfter(api, fake, admin, id, burrowdReport(id, [[SERVER_KEY, 500, 50]], 101));
    t.deepEqual(reset.body.totals, { rxBytes: 2_500, txBytes: 350 });
    // Asking again without new counters adds nothing.
    const again = await trafficAfter(api, fake, admin, id, burrowdReport(id, [[SERVER_KEY, 500, 50]], 101));
    t.deepEqual(again.body.totals, { rxBytes: 2_500, txBytes: 350 });

    await createUser(api, admin, 'viewer', VIEWER_PASSWORD, 'viewer');
    const viewer = await signIn(api, 'viewer', VIEWER_PASSWORD);
    for (const [range, stepSeconds, count] of [
      ['hour', 60, 60],
      ['day', 600, 144],
      ['month', 14_400, 180],
    ] as const) {
      const reply = await call<Traffic>(api, `/api/tunnels/${id}/traffic?range=${range}`, { session: viewer });
      t.is(reply.status, 200, range);
      t.is(reply.body.range, range);
      t.is(reply.body.stepSeconds, stepSeconds, range);
      t.is(reply.body.points.length, count, range);
      t.deepEqual(reply.body.totals, { rxBytes: 2_500, txBytes: 350 }, range);
      const times = reply.body.points.map((point) => Date.parse(point.at));
      t.true(
        times.every((at, index) => index === 0 || at - times[index - 1]! === stepSeconds * 1000),
        `${range}: evenly spaced, oldest first`,
      );
      t.true(times.at(-1)! <= Date.now() && Date.now() < times.at(-1)! + stepSeconds * 1000, range);
      t.true(reply.body.points.at(-1)!.rxBytes > 0, `${range}: the current point holds the bytes`);
    }
  });
});

test('a bad range is a 400, an unknown profile a 404, and signed out a 401', async (t) => {
  await withApi({}, async (api) => {
    const admin = await setupAdmin(api);
    const id = await importProfile(api, admin);
    for (const query of ['?range=week', '?range=', '', '?range=hour&range=day']) {
      const reply = await call<{ statusCode: number; requestId: string }>(api, `/api/tunnels/${id}/traffic${query}`, {
        session: admin,
      });
      t.is(reply.status, 400, query);
      t.is(reply.body.statusCode, 400, query);
      t.is(typeof reply.body.requestId, 'string');
    }
    const missing = await call<{ code: string }>(api, `/api/tunnels/${id + 1}/traffic?range=day`, { session: admin });
    t.is(missing.status, 404);
    t.is(missing.body.code, 'not_found');
    t.is((await call(api, `/api/tunnels/${id}/traffic?range=day`)).status, 401);
  });
});

test('minutes older than a day fold into hours with their sums kept; hours older than a month go', async (t) => {
  await withApi({}, async (api) => {
    const admin = await setupAdmin(api);
    const id = await importProfile(api, admin);
    const traffic = api.app.get(TrafficHistoryService);
    const database = api.app.get(DataSource);
    const clock = api.app.get(Clock);
    const end = Math.floor(Date.now() / HOUR_MS) * HOUR_MS;
    const start = end - 40 * 24 * HOUR_MS;
    const minuteStart = end - 30 * HOUR_MS;
    let now = start;
    clock.now = () => new Date(now);
    /** Every byte fed, at its time (ms). */
    const ledger: Array<{ at: number; bytes: number }> = [];
    let counter = 0;
    const feed = (bytes: number) => {
      counter += bytes;
      ledger.push({ at: now, bytes });
      traffic.count({ raw: burrowdReport(id, [[OTHER_KEY, counter, counter * 2]]), at: Date.now() });
    };
    feed(0);
    // 40 days of a thousand bytes in the first and the last minute of every hour, then 30 hours of ten a minute.
    for (; now < minuteStart; now += HOUR_MS) {
      feed(1_000);
      now += 59 * MINUTE_MS;
      feed(1_000);
      now -= 59 * MINUTE_MS;
      await traffic.flush();
    }
    for (; now < end; now += MINUTE_MS) {
      feed(10);
      if (now % HOUR_MS === 0) {
        await traffic.flush();
      }
    }
    now = end - MINUTE_MS;
    await traffic.flush();
    const nowSeconds = now / 1000;
    /** What was fed in `[from, to)` (epoch seconds), each byte in the bucket it was stored in by then. */
    const fed = (from: number, to = Infinity, folded = (at: number) => at) =>
      ledger
        .filter((entry) => folded(entry.at) / 1000 >= from && folded(entry.at) / 1000 < to)
        .reduce((sum, entry) => sum + entry.bytes, 0);

    const rows = await database.query<Array<{ resolution: string; bucket: number; rx: number; tx: number }>>(
      `SELECT resolution, bucket, rx_bytes AS rx, tx_bytes AS tx FROM traffic_sample WHERE profile_id = ?`,
      [id],
    );
    const minutes = rows.filter((row) => row.resolution === 'minute');
    const hours = rows.filter((row) => row.resolution === 'hour');
    t.true(
      minutes.every((row) => row.bucket >= nowSeconds - MINUTE_RETENTION_SECONDS - 3600),
      'old minutes folded',
    );
    t.true(minutes.length >= 25 * 60, `the last day stays by the minute: ${minutes.length}`);
    t.true(hours.length > 29 * 24, `the month stays by the hour: ${hours.length}`);
    t.true(
      hours.every((row) => row.bucket >= nowSeconds - HOUR_RETENTION_SECONDS && row.bucket % 3600 === 0),
      'old hours deleted',
    );
    t.true(rows.length <= 26 * 60 + 31 * 24 + 1, `bounded: ${rows.length} rows`);
    // Folding kept every byte of the month the table still covers: each in its hour.
    const hourOf = (at: number) => Math.floor(at / HOUR_MS) * HOUR_MS;
    const kept = rows.reduce((sum, row) => sum + row.rx, 0);
    t.is(kept, fed(nowSeconds - HOUR_RETENTION_SECONDS, Infinity, hourOf));
    t.is(
      rows.reduce((sum, row) => sum + row.tx, 0),
      kept * 2,
    );
    t.true(kept < fed(0), 'the oldest days are gone');

    for (const range of ['hour', 'day', 'month'] as const) {
      const reply = await call<Traffic>(api, `/api/tunnels/${id}/traffic?range=${range}`, { session: admin });
      const from = Date.parse(reply.body.points[0]!.at) / 1000;
      t.is(reply.body.totals.rxBytes, fed(from, from + reply.body.points.length * reply.body.stepSeconds), range);
      t.is(reply.body.totals.txBytes, reply.body.totals.rxBytes * 2, range);
    }
  });
});

test('the history survives a restart, and the first report after it only sets the baseline', async (t) => {
  const scratch = await mkdtemp(join(tmpdir(), 'burrow-traffic-'));
  t.teardown(() => rm(scratch, { recursive: true, force: true }));
  const dataDir = join(scratch, 'data');
  await withBurrowd(async (fake) => {
    const first = await startInProcessApi({ dataDir, firmwareSocket: fake.socketPath });
    let id: number;
    try {
      const admin = await setupAdmin(first);
      id = await importProfile(first, admin);
      await trafficAfter(first, fake, admin, id, burrowdReport(id, [[SERVER_KEY, 10_000, 1_000]]));
      const before = await trafficAfter(first, fake, admin, id, burrowdReport(id, [[SERVER_KEY, 17_000, 1_500]]));
      t.deepEqual(before.body.totals, { rxBytes: 7_000, txBytes: 500 });
    } finally {
      // Not a minute has passed: only the shutdown writes these bytes.
      await first.close();
    }
    // The counters grew while the API was down: nothing says which of those bytes were counted, so none are.
    fake.status = burrowdReport(id, [[SERVER_KEY, 20_000, 2_000]]);
    const second = await startInProcessApi({ dataDir, firmwareSocket: fake.socketPath });
    try {
      const admin = await signIn(second, 'admin', ADMIN_PASSWORD);
      const after = await trafficAfter(second, fake, admin, id, burrowdReport(id, [[SERVER_KEY, 20_000, 2_000]]));
      t.deepEqual(after.body.totals, { rxBytes: 7_000, txBytes: 500 });
      const grown = await trafficAfter(second, fake, admin, id, burrowdReport(id, [[SERVER_KEY, 20_100, 2_010]]));
      t.deepEqual(grown.body.totals, { rxBytes: 7_100, txBytes: 510 });
    } finally {
      await second.close();
    }
  });
});

test('samples of a deleted profile go with it; the row cap keeps the newest', async (t) => {
  const database = await openMemoryDatabase();
  t.teardown(() => database.destroy());
  await database.query(
    `INSERT INTO tunnel_profile (id, name, name_key, priority, enabled, profile, created_at, updated_at)
     VALUES (1, 'a', 'a', 0, 1, '{}', '', ''), (2, 'b', 'b', 1, 1, '{}', '', '')`,
  );
  const samples = new TrafficSampleRepository(database);
  const minutes = (ownerId: number, count: number, series: TrafficSeries = 'profile') =>
    Array.from({ length: count }, (_, index) => ({ series, ownerId, bucket: index * 60, rxBytes: index, txBytes: 1 }));
  const retention = { foldBefore: 0, dropBefore: 0, dropAfter: 1e12, maxRowsPerOwner: 100 };
  await samples.flush([...minutes(1, 150), ...minutes(2, 50), ...minutes(3, 5)], retention);
  const counts = await database.query<Array<{ profile_id: number; n: number; oldest: number }>>(
    `SELECT profile_id, count(*) AS n, min(bucket) AS oldest FROM traffic_sample GROUP BY profile_id`,
  );
  t.deepEqual(counts, [
    { profile_id: 1, n: 100, oldest: 50 * 60 },
    { profile_id: 2, n: 50, oldest: 0 },
  ]);
  // Written twice, a minute adds up.
  await samples.flush(minutes(2, 1), retention);
  t.deepEqual(await samples.read('profile', 2, 0, 60), [{ bucket: 0, rxBytes: 0, txBytes: 2 }]);
  // A clock set back leaves rows in the future: they go instead of staying forever.
  await samples.flush([], { ...retention, dropAfter: 100 * 60 });
  t.is((await samples.read('profile', 1, 0, 1e12)).length, 50);
  await database.query('DELETE FROM tunnel_profile WHERE id = 1');
  t.deepEqual(await samples.read('profile', 1, 0, 1e12), []);
});

test("remote devices' samples share the table, the cap and the folding, apart from the profiles' with the same id", async (t) => {
  const database = await openMemoryDatabase();
  t.teardown(() => database.destroy());
  await database.query(
    `INSERT INTO tunnel_profile (id, name, name_key, priority, enabled, profile, created_at, updated_at)
     VALUES (1, 'a', 'a', 0, 1, '{}', '', '')`,
  );
  await database.query(
    `INSERT INTO remote_device (id, name, public_key, preshared_key, address_v4, reach, enabled,
       keys_generated_on_box, created_at, updated_at)
     VALUES (1, 'phone', 'k1', 'p1', '10.99.0.2/32', 'lan', 1, 1, '', ''),
            (2, 'laptop', 'k2', 'p2', '10.99.0.3/32', 'lan', 1, 1, '', '')`,
  );
  const samples = new TrafficSampleRepository(database);
  const minutes = (ownerId: number, count: number, series: TrafficSeries) =>
    Array.from({ length: count }, (_, index) => ({ series, ownerId, bucket: index * 60, rxBytes: 10, txBytes: 1 }));
  const retention = { foldBefore: 0, dropBefore: 0, dropAfter: 1e12, maxRowsPerOwner: 100 };
  // Device 3 was deleted after its bytes were counted: they are dropped, not written.
  await samples.flush(
    [
      ...minutes(1, 10, 'profile'),
      ...minutes(1, 150, 'remote_device'),
      ...minutes(2, 100, 'remote_device'),
      ...minutes(3, 5, 'remote_device'),
    ],
    retention,
  );
  t.is((await samples.read('profile', 1, 0, 1e12)).length, 10);
  t.is((await samples.read('remote_device', 1, 0, 1e12)).length, 100);
  t.is((await samples.read('remote_device', 3, 0, 1e12)).length, 0);
  // The first hour of device 2 folds into one row with its sums; the profile's minutes fold apart from it.
  await samples.flush([], { ...retention, foldBefore: 3600 });
  const device2 = await samples.read('remote_device', 2, 0, 1e12);
  t.deepEqual(
    device2.find((row) => row.bucket === 0),
    { bucket: 0, rxBytes: 600, txBytes: 60 },
  );
  t.is(device2.length, 1 + 40);
  t.deepEqual(await samples.read('profile', 1, 0, 1e12), [{ bucket: 0, rxBytes: 100, txBytes: 10 }]);
  await database.query('DELETE FROM remote_device WHERE id = 2');
  t.deepEqual(await samples.read('remote_device', 2, 0, 1e12), []);
  t.is((await samples.read('remote_device', 1, 0, 1e12)).length, 1 + 90);
  await t.throwsAsync(
    database.query(
      `INSERT INTO traffic_sample (profile_id, remote_device_id, resolution, bucket, rx_bytes, tx_bytes)
       VALUES (1, 1, 'hour', 7200, 0, 0)`,
    ),
    { message: /CHECK constraint/ },
  );
});

/** burrowd's report with remote access on and one peer with these counters. */
function remoteReport(publicKey: string, rxBytes: number, txBytes: number) {
  return {
    ...burrowdReport(null, []),
    state: {
      lan: {
        address: '192.168.8.1/24',
        dhcp: { rangeStart: '192.168.8.100', rangeEnd: '192.168.8.250', leaseSeconds: 43200 },
        domain: 'lan',
      },
    },
    interfaces: [],
    lanDevices: [],
    remoteAccess: {
      interface: 'wg1',
      listenPort: 51820,
      peers: [{ publicKey, endpoint: '198.51.100.7:40000', lastHandshake: null, rxBytes, txBytes }],
    },
  };
}

async function remoteTrafficAfter(api: InProcessApi, fake: FakeBurrowd, session: Session, id: number, status: unknown) {
  fake.status = status;
  api.app.get(StatusHubService).invalidate();
  return call<Traffic>(api, `/api/remote-access/devices/${id}/traffic?range=day`, { session });
}

test("a remote device's history survives a restart, and goes when the device is deleted", async (t) => {
  const scratch = await mkdtemp(join(tmpdir(), 'burrow-remote-traffic-'));
  t.teardown(() => rm(scratch, { recursive: true, force: true }));
  const dataDir = join(scratch, 'data');
  const phoneKey = Buffer.alloc(32, 0x5a).toString('base64');
  await withBurrowd(async (fake) => {
    // The phone's peer appears once the device exists: its first counters only set the baseline.
    fake.status = remoteReport(OTHER_KEY, 0, 0);
    const first = await startInProcessApi({ dataDir, firmwareSocket: fake.socketPath });
    let id: number;
    try {
      const admin = await setupAdmin(first);
      const enabled = await call(first, '/api/remote-access', {
        method: 'PUT',
        session: admin,
        body: { enabled: true, listenPort: 51820, addressV4: '10.99.0.1/24', addressV6: null, endpointHost: null },
      });
      t.is(enabled.status, 200);
      const created = await call<{ device: { id: number } }>(first, '/api/remote-access/devices', {
        method: 'POST',
        session: admin,
        body: { name: 'phone', reach: 'lan', publicKey: phoneKey },
      });
      t.is(created.status, 201);
      id = created.body.device.id;
      await remoteTrafficAfter(first, fake, admin, id, remoteReport(phoneKey, 1_000, 100));
      const before = await remoteTrafficAfter(first, fake, admin, id, remoteReport(phoneKey, 5_000, 900));
      t.is(before.status, 200);
      t.deepEqual(before.body.totals, { rxBytes: 4_000, txBytes: 800 });
      t.is(before.body.stepSeconds, 600);
    } finally {
      // Not a minute has passed: only the shutdown writes these bytes.
      await first.close();
    }
    const second = await startInProcessApi({ dataDir, firmwareSocket: fake.socketPath });
    try {
      const admin = await signIn(second, 'admin', ADMIN_PASSWORD);
      const after = await remoteTrafficAfter(second, fake, admin, id, remoteReport(phoneKey, 5_000, 900));
      t.deepEqual(after.body.totals, { rxBytes: 4_000, txBytes: 800 });
      const grown = await remoteTrafficAfter(second, fake, admin, id, remoteReport(phoneKey, 5_050, 905));
      t.deepEqual(grown.body.totals, { rxBytes: 4_050, txBytes: 805 });
      await second.app.get(TrafficHistoryService).flush();
      const database = second.app.get(DataSource);
      const rows = () =>
        database.query<Array<{ n: number }>>('SELECT count(*) AS n FROM traffic_sample WHERE remote_device_id = ?', [
          id,
        ]);
      t.true((await rows())[0]!.n > 0);
      const deleted = await call(second, `/api/remote-access/devices/${id}`, { method: 'DELETE', session: admin });
      t.is(deleted.status, 204);
      t.deepEqual(await rows(), [{ n: 0 }]);
      t.is((await call(second, `/api/remote-access/devices/${id}/traffic?range=day`, { session: admin })).status, 404);
    } finally {
      await second.close();
    }
  });
});
