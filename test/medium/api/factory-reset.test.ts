// A factory reset from the recovery console: staged through FactoryResetService, nothing changes until the next
// start, which wipes the configuration before the database opens and comes up as a new box: the setup wizard, no
// users, a new CA, no backups, and the reset recorded in the new audit log.
import { applyStagedRestore } from '@burrow/api/backups/restore-journal';
import { describeCertificate } from '@burrow/api/certificates/x509/describe';
import { DomainError } from '@burrow/api/services/domain-error';
import { FactoryResetService } from '@burrow/api/services/factory-reset.service';
import { RestoreService } from '@burrow/api/services/restore.service';
import test from 'ava';
import { access, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backUp } from './backup-client.js';
import { type InProcessApi, startInProcessApi } from './in-process-api.js';
import { call, createUser, setupAdmin, VIEWER_PASSWORD } from './session-client.js';

test('a staged factory reset wipes the configuration at the next start, which comes up as a new box', async (t) => {
  const scratch = await mkdtemp(join(tmpdir(), 'burrow-factory-reset-'));
  const dataDir = join(scratch, 'data');
  t.teardown(() => rm(scratch, { recursive: true, force: true }));
  let oldAuthority: string;
  {
    const api = await startInProcessApi({ dataDir });
    try {
      const admin = await setupAdmin(api);
      await createUser(api, admin, 'vera', VIEWER_PASSWORD, 'viewer');
      const { id } = await backUp(api, admin);
      oldAuthority = describeCertificate(api.caPem).fingerprintSha256;
      const reset = api.app.get(FactoryResetService);
      t.false(await reset.isStaged());
      t.like(await reset.stage({ origin: 'console' }), { staged: true });
      t.true(await reset.isStaged());
      t.true(await api.app.get(RestoreService).isStaged());
      const again = await t.throwsAsync(reset.stage({ origin: 'console' }), { instanceOf: DomainError });
      t.is(again?.code, 'restore_already_staged');
      // A restore cannot be staged over it either.
      const restore = api.app.get(RestoreService);
      const preview = await restore.previewStoredFor({ origin: 'console' }, id, null);
      const refused = await t.throwsAsync(restore.applyFor({ origin: 'console' }, preview.token), {
        instanceOf: DomainError,
      });
      t.is(refused?.code, 'restore_already_staged');
      // Nothing changes before the next start.
      t.is((await call<{ setupRequired: boolean }>(api, '/api/setup')).body.setupRequired, false);
    } finally {
      await api.close();
    }
  }

  t.is(await applyStagedRestore(dataDir), 'reset');
  t.deepEqual((await readdir(dataDir)).sort(), ['factory-reset.json'], 'only the marker is left of the API');
  let api: InProcessApi | undefined;
  try {
    api = await startInProcessApi({ dataDir });
    t.true(api.logs.some((line) => /factory reset/.test(String(line.msg))));
    t.is((await call<{ setupRequired: boolean }>(api, '/api/setup')).body.setupRequired, true);
    t.not(describeCertificate(api.caPem).fingerprintSha256, oldAuthority!, 'a new CA');
    const backups = await readdir(join(dataDir, 'backups')).catch(() => []);
    t.deepEqual(
      backups.filter((name) => name.endsWith('.burrowbackup') || name === 'device.key'),
      [],
    );
    await t.throwsAsync(access(join(dataDir, 'factory-reset.json')), undefined, 'the marker is consumed');
    const admin = await setupAdmin(api, 'owner', 'fresh-pass-9q2w-granite');
    t.deepEqual(
      (await call<Array<{ username: string }>>(api, '/api/users', { session: admin })).body.map(
        (user) => user.username,
      ),
      ['owner'],
    );
    t.deepEqual((await call<unknown[]>(api, '/api/backups', { session: admin })).body, []);
    const audit = await call<{ events: Array<{ action: string; origin: string; username: string | null }> }>(
      api,
      '/api/audit?limit=50',
      { session: admin },
    );
    const resets = audit.body.events.filter((event) => event.action === 'system.factory_reset');
    t.is(resets.length, 1);
    t.like(resets[0], { origin: 'console', username: null });
  } finally {
    await api?.close();
  }
});
