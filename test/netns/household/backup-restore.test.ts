// A backup brings a household back onto a new box, in the lab: the API on one data dir connects the LAN through
// server A and makes a passphrase backup; a factory-fresh API on a new data dir (the replacement SD card) takes over
// burrowd, whose LAN then has no tunnel and leaks nothing; the backup is uploaded with its passphrase, previewed and
// applied; at the next start of the API the restored configuration is in force: the admin signs in with the old
// password, the CA is the old one, and the LAN's requests leave from server A again.
import test from 'ava';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apply, backUp, previewUpload } from '../../medium/api/backup-client.js';
import { startInProcessApi, type InProcessApi } from '../../medium/api/in-process-api.js';
import { ADMIN_PASSWORD, call, setupAdmin, signIn } from '../../medium/api/session-client.js';
import { Gateway, householdSkipReason } from './fixture.js';
import { eventually } from './poll.js';

const PASSPHRASE = 'otter basalt lantern meadow';
const TUNNEL_TIMEOUT_MS = 45_000;

const skipReason = await householdSkipReason();
const declare = skipReason === undefined ? test.serial : test.serial.skip;

const cleanups: Array<() => Promise<void>> = [];

test.after.always(async () => {
  for (const cleanup of cleanups.reverse()) {
    await cleanup().catch((error: unknown) => console.warn(`cleanup failed: ${(error as Error).message}`));
  }
});

declare('a passphrase backup restored onto a factory-fresh data dir brings the tunnel back', async (t) => {
  const box = await Gateway.startWithBoard((stop) => cleanups.push(stop));
  const { lab, record } = box;
  const [device] = box.lanDevices;
  const [serverA] = record.vpnServers;
  const whoami = () => lab.whoami(device, 4, { timeoutMs: 3_000 }).catch(() => 'blocked');
  let api: InProcessApi | undefined;
  const closeApi = async () => {
    await api?.close();
    api = undefined;
  };
  cleanups.push(closeApi);
  try {
    // The first box: admin, backup passphrase, provider A; the LAN goes through server A.
    api = await startInProcessApi({ firmwareSocket: box.socket });
    const admin = await setupAdmin(api);
    const passphrase = await call(api, '/api/backups/settings', {
      method: 'PUT',
      body: { passphrase: PASSPHRASE, currentPassword: ADMIN_PASSWORD },
      session: admin,
    });
    t.is(passphrase.status, 200, JSON.stringify(passphrase.body));
    const imported = await call(api, '/api/tunnels', {
      method: 'POST',
      session: admin,
      body: { name: 'Lab server A', config: await readFile(serverA!.client.configFile, 'utf8') },
    });
    t.is(imported.status, 201);
    await lab.dhcp(device);
    t.is(
      await eventually('the LAN through server A', TUNNEL_TIMEOUT_MS, async () => {
        const seen = await whoami();
        return seen === serverA!.address ? seen : undefined;
      }),
      serverA!.address,
    );
    const oldCa = api.caPem;
    const { bytes } = await backUp(api, admin);
    t.log(`backup: ${bytes.length} bytes`);
    await closeApi();

    // The replacement card: a new data dir. Its API tells burrowd there is no tunnel: the LAN is closed.
    const dataDir = await mkdtemp(join(tmpdir(), 'burrow-lab-restore-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    api = await startInProcessApi({ firmwareSocket: box.socket, dataDir });
    t.not(api.caPem, oldCa, 'a new box has its own CA');
    const fresh = await setupAdmin(api, 'newcomer', 'fresh-pass-9q2w-granite');
    await eventually('the LAN closed on the fresh box', TUNNEL_TIMEOUT_MS, async () =>
      (await whoami()) === 'blocked' ? true : undefined,
    );

    const preview = await previewUpload(api, fresh, bytes, PASSPHRASE);
    t.is(preview.status, 200, JSON.stringify(preview.body));
    t.deepEqual(
      preview.body.tunnels.map((tunnel) => tunnel.name),
      ['Lab server A'],
    );
    t.true(preview.body.authorityChanges, 'the preview says the CA changes back');
    const applied = await apply(api, fresh, preview.body.token, 'fresh-pass-9q2w-granite');
    t.is(applied.status, 202, JSON.stringify(applied.body));
    // The in-process API cannot restart itself: the restore applies at its next start, as after a power cut.
    await closeApi();
    api = await startInProcessApi({ firmwareSocket: box.socket, dataDir });
    t.is(api.caPem, oldCa, 'the restored box has the old CA');
    const restoredAdmin = await signIn(api, 'admin', ADMIN_PASSWORD);
    t.is((await call(api, '/api/auth/session', { session: fresh })).status, 401, "the fresh box's session is gone");
    const back = await eventually('the LAN through server A again', TUNNEL_TIMEOUT_MS, async () => {
      const seen = await whoami();
      return seen === serverA!.address ? seen : undefined;
    });
    t.is(back, serverA!.address);
    const audit = await call<{ events: Array<{ action: string }> }>(api, '/api/audit?action=backup.restored', {
      session: restoredAdmin,
    });
    t.is(audit.body.events.length, 1, 'the restore is in the restored audit log');
  } catch (error) {
    t.log(await box.burrowd.describe());
    throw error;
  }
});
