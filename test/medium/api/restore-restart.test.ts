// The API restarts itself in-process once a restore is staged: the listeners and the database close, the staged
// restore is applied before the database opens again, and the same ports answer with the restored configuration.
import { stageRestore } from '@burrow/api/backups/restore-journal';
import { parseEnv } from '@burrow/api/env';
import { createLogger } from '@burrow/api/logger';
import { ApiServer } from '@burrow/api/server/api-server';
import { RestartCoordinator } from '@burrow/api/server/restart-coordinator';
import test from 'ava';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { DataSource } from 'typeorm';
import { findTwoFreePorts } from '../../helpers/free-port.js';
import { trustForFetch } from '../../helpers/trust.js';
import { startInProcessApi } from './in-process-api.js';

const RESTART_TIMEOUT_MS = 20_000;

async function startServer(dataDir: string, logs: string[]): Promise<ApiServer> {
  const logger = createLogger(
    'info',
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        logs.push(
          ...chunk
            .toString()
            .split('\n')
            .filter((line) => line !== ''),
        );
        done();
      },
    }),
  );
  for (let attempt = 1; ; attempt++) {
    const [httpPort, httpsPort] = await findTwoFreePorts();
    const env = parseEnv({
      BURROW_DATA_DIR: dataDir,
      BURROW_UI_DIR: join(dataDir, '..', 'no-ui'),
      BURROW_FIRMWARE_SOCKET: join(dataDir, '..', 'burrowd.sock'),
      BURROW_HTTP_PORT: String(httpPort),
      BURROW_HTTPS_PORT: String(httpsPort),
    });
    try {
      return await ApiServer.start(env, logger, {
        onRestartFailed: (error) => logs.push(`restart failed: ${String(error)}`),
      });
    } catch (error) {
      if (attempt >= 3 || (error as { code?: unknown }).code !== 'EADDRINUSE') {
        throw error;
      }
    }
  }
}

async function untilRestarted(server: ApiServer, previous: unknown): Promise<void> {
  const deadline = Date.now() + RESTART_TIMEOUT_MS;
  while (Date.now() < deadline) {
    try {
      if (server.app !== previous) {
        return;
      }
    } catch {
      // Between the two apps.
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('the API did not come back');
}

test('after staging, the API closes, applies the restore before the database opens, and serves it on the same ports', async (t) => {
  const scratch = await mkdtemp(join(tmpdir(), 'burrow-restore-restart-'));
  t.teardown(() => rm(scratch, { recursive: true, force: true }));
  const dataDir = join(scratch, 'data');
  const extracted = join(scratch, 'extracted');
  const logs: string[] = [];
  const server = await startServer(dataDir, logs);
  t.teardown(() => server.close());
  trustForFetch(await readFile(join(dataDir, 'certs', 'ca.pem'), 'utf8'));
  const url = server.listening.httpsUrl;
  // A kept-alive connection from a client, as the page's would be.
  t.is((await fetch(`${url}/api/health`)).status, 200);

  // A backup's content as it is extracted: a snapshot of the database, and the certificates with one file more.
  const before = server.app.get(DataSource);
  await before.query('CREATE TABLE kept (value TEXT NOT NULL)');
  await before.query("INSERT INTO kept (value) VALUES ('in the backup')");
  await cp(join(dataDir, 'certs'), join(extracted, 'certs'), { recursive: true });
  await before.query('VACUUM INTO ?', [join(extracted, 'burrow.db')]);
  await writeFile(join(extracted, 'certs', 'marker'), 'from the backup\n');
  await before.query("INSERT INTO kept (value) VALUES ('after the backup')");

  await stageRestore(dataDir, extracted);
  const coordinator = server.app.get(RestartCoordinator);
  t.true(coordinator.canRestart);
  const previous = server.app;
  const started = Date.now();
  coordinator.restartAfterStaging();
  await untilRestarted(server, previous);
  t.log(`restarted in ${Date.now() - started} ms`);

  t.is(server.listening.httpsUrl, url);
  t.deepEqual(await server.app.get(DataSource).query('SELECT value FROM kept'), [{ value: 'in the backup' }]);
  t.is(await readFile(join(dataDir, 'certs', 'marker'), 'utf8'), 'from the backup\n');
  t.false((await readdir(dataDir)).includes('restore'));
  t.is((await fetch(`${url}/api/health`)).status, 200);
  const messages = logs.map((line) => (JSON.parse(line) as { msg?: string }).msg);
  t.true(messages.includes('restarting to apply a staged restore'));
  t.true(messages.includes('applied the staged restore'));
  t.false(logs.some((line) => line.startsWith('restart failed')));
});

test('an app that no server runs cannot restart itself, and says so instead of pretending', async (t) => {
  const api = await startInProcessApi();
  try {
    const coordinator = api.app.get(RestartCoordinator);
    t.false(coordinator.canRestart);
    t.throws(() => coordinator.restartAfterStaging(), { message: /applied when the API next starts/ });
  } finally {
    await api.close();
  }
});
