// `node api/dist/main.js` as an operator runs it: refuses a bad environment with one clear message,
// logs where it listens, and stops cleanly on SIGTERM and SIGINT.
import test from 'ava';
import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findFreePort, findTwoFreePorts } from '../../helpers/free-port.js';
import { trustForFetch } from '../../helpers/trust.js';

const MAIN = fileURLToPath(import.meta.resolve('@burrow/api/main'));
const START_TIMEOUT_MS = 20_000;

interface Run {
  stdout: () => string;
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill: (signal: NodeJS.Signals) => void;
}

function run(env: Record<string, string>): Run {
  // Only what the server needs from the test's own environment; no stray BURROW_* variables.
  const child = spawn(process.execPath, [MAIN], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { stdout: () => stdout, stderr: () => stderr, exit, kill: (signal) => child.kill(signal) };
}

function logLines(text: string): Array<Record<string, unknown>> {
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

async function waitForListening(server: Run): Promise<string> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const listening = logLines(server.stdout()).find((line) => line.msg === 'listening');
    if (typeof listening?.url === 'string') {
      return listening.url;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no "listening" line:\n${server.stdout()}\n${server.stderr()}`);
}

/**
 * Starts the API on two free ports. A port found free can be taken by a concurrent test before the server binds
 * it: that is another pair to try, not a failure of the server.
 */
async function startOnFreePorts(env: NodeJS.ProcessEnv, t: { teardown: (fn: () => void) => void }) {
  for (let attempt = 1; ; attempt++) {
    const [port, httpsPort] = await findTwoFreePorts();
    const server = run({ ...env, BURROW_HTTP_PORT: String(port), BURROW_HTTPS_PORT: String(httpsPort) });
    t.teardown(() => server.kill('SIGKILL'));
    try {
      return { server, port, httpsPort, url: await waitForListening(server) };
    } catch (error) {
      if (attempt >= 3 || !server.stdout().includes('EADDRINUSE')) {
        throw error;
      }
      server.kill('SIGKILL');
      await server.exit;
    }
  }
}

async function scratchDir(t: { teardown: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'burrow-proc-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('a bad environment stops boot with exit code 1 and one message naming every bad variable', async (t) => {
  const dir = await scratchDir(t);
  const server = run({
    BURROW_DATA_DIR: join(dir, 'data'),
    BURROW_HTTP_PORT: '99999',
    BURROW_LOG_LEVEL: 'chatty',
    BURROW_TYPO: 'x',
  });
  t.deepEqual(await server.exit, { code: 1, signal: null });
  t.is(server.stdout(), '');
  t.is(
    server.stderr(),
    [
      'burrow-api: Invalid environment:',
      '  BURROW_HTTP_PORT: must be a whole number from 1 to 65535 (got "99999")',
      '  BURROW_LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent (got "chatty")',
      '  BURROW_TYPO: is not a known variable (known: BURROW_DATA_DIR, BURROW_HTTP_HOST, BURROW_HTTP_PORT, BURROW_HTTPS_PORT, BURROW_LOG_LEVEL, BURROW_UI_DIR, BURROW_FIRMWARE_SOCKET, BURROW_TRUSTED_PROXIES)',
      '',
    ].join('\n'),
  );
  // Nothing was created: the data dir is only made by a boot that goes ahead.
  t.deepEqual(await readdir(dir), []);
});

test('without BURROW_DATA_DIR the server refuses to start', async (t) => {
  const server = run({});
  t.deepEqual(await server.exit, { code: 1, signal: null });
  t.regex(server.stderr(), /BURROW_DATA_DIR: is required/);
});

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`logs one "listening" line with its URL, serves, and exits 0 on ${signal}`, async (t) => {
    const dir = await scratchDir(t);
    const { server, port, httpsPort, url } = await startOnFreePorts(
      { BURROW_DATA_DIR: join(dir, 'data'), BURROW_UI_DIR: dir },
      t,
    );
    t.is(url, `https://127.0.0.1:${httpsPort}`);
    t.like(
      logLines(server.stdout()).find((line) => line.msg === 'listening'),
      {
        redirectFrom: `http://127.0.0.1:${port}`,
      },
    );
    t.is(logLines(server.stdout()).filter((line) => line.msg === 'listening').length, 1);
    trustForFetch(await readFile(join(dir, 'data', 'certs', 'ca.pem'), 'utf8'));
    t.is((await fetch(`${url}/api/health`)).status, 200);

    server.kill(signal);
    t.deepEqual(await server.exit, { code: 0, signal: null });
    t.like(logLines(server.stdout()).at(-1), { msg: 'stopped' });
    await t.throwsAsync(fetch(`${url}/api/health`));
  });
}

test('records its process id while it runs, restarts in-process on SIGHUP, and removes the record when it stops', async (t) => {
  const dir = await scratchDir(t);
  const dataDir = join(dir, 'data');
  const { server, url } = await startOnFreePorts({ BURROW_DATA_DIR: dataDir, BURROW_UI_DIR: dir }, t);
  trustForFetch(await readFile(join(dataDir, 'certs', 'ca.pem'), 'utf8'));
  const pidFile = join(dataDir, 'api.pid');
  const pid = await waitFor(async () => Number((await readFile(pidFile, 'utf8').catch(() => '')).trim()) || undefined);
  t.true(pid > 1);

  process.kill(pid, 'SIGHUP');
  await waitFor(
    () => logLines(server.stdout()).some((line) => line.msg === 'listening again after the restart') || undefined,
  );
  t.is((await fetch(`${url}/api/health`)).status, 200, 'the same address answers after the restart');
  t.is(Number((await readFile(pidFile, 'utf8')).trim()), pid, 'the same process');

  server.kill('SIGTERM');
  t.deepEqual(await server.exit, { code: 0, signal: null });
  await t.throwsAsync(readFile(pidFile, 'utf8'), { code: 'ENOENT' });
});

async function waitFor<T>(probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    const value = await probe();
    if (value !== undefined) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error('timed out');
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test('whatever the umask, the data dir is private: directories 0700, files 0600, the public CA 0644', async (t) => {
  const dir = await scratchDir(t);
  const dataDir = join(dir, 'data');
  const [port, httpsPort] = await findTwoFreePorts();
  // A data dir that already exists, made by someone else's loose umask; the server inherits umask 0.
  await mkdir(dataDir, { mode: 0o777 });
  await chmod(dataDir, 0o777);
  const previous = process.umask(0);
  let server: Run;
  try {
    server = run({
      BURROW_DATA_DIR: dataDir,
      BURROW_HTTP_PORT: String(port),
      BURROW_HTTPS_PORT: String(httpsPort),
      BURROW_UI_DIR: dir,
    });
  } finally {
    process.umask(previous);
  }
  t.teardown(() => server.kill('SIGKILL'));
  const url = await waitForListening(server);
  trustForFetch(await readFile(join(dataDir, 'certs', 'ca.pem'), 'utf8'));
  const setup = await fetch(`${url}/api/setup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: 'admin-pass-7f3k-quartz' }),
  });
  t.is(setup.status, 201);

  const modes: Record<string, string> = {};
  for (const entry of await readdir(dataDir, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name);
    modes[relative(dataDir, path)] = ((await stat(path)).mode & 0o777).toString(8);
  }
  modes['.'] = ((await stat(dataDir)).mode & 0o777).toString(8);
  const expected = (name: string) =>
    name === 'certs/ca.pem' ? '644' : name === '.' || name === 'certs' ? '700' : '600';
  t.deepEqual(modes, Object.fromEntries(Object.keys(modes).map((name) => [name, expected(name)])));
  for (const file of ['burrow.db', 'burrow.db-wal', 'burrow.db-shm', 'certs/authority.pem', 'certs/server.pem']) {
    t.true(file in modes, file);
  }
  // Creating the CA is news, not a warning.
  t.like(
    logLines(server.stdout()).find((line) => String(line.msg).startsWith('created the router CA')),
    { level: 30 },
  );
  server.kill('SIGTERM');
  t.deepEqual(await server.exit, { code: 0, signal: null });
});

test('a database that cannot be opened ends the process with code 1 and a fatal log line', async (t) => {
  const dir = await scratchDir(t);
  await writeFile(join(dir, 'burrow.db'), 'not a database '.repeat(100));
  const server = run({ BURROW_DATA_DIR: dir, BURROW_HTTP_PORT: String(await findFreePort()), BURROW_UI_DIR: dir });
  t.deepEqual(await server.exit, { code: 1, signal: null });
  const fatal = logLines(server.stdout()).find((line) => line.level === 60);
  t.like(fatal, { msg: 'could not start' });
  t.regex(JSON.stringify(fatal?.err), /SQLITE_NOTADB|not a database/);
});

test('a port already in use ends the process with code 1 and says so', async (t) => {
  const dir = await scratchDir(t);
  const [port, httpsPort] = await findTwoFreePorts();
  const ports = { BURROW_HTTP_PORT: String(port), BURROW_HTTPS_PORT: String(httpsPort), BURROW_UI_DIR: dir };
  const first = run({ BURROW_DATA_DIR: join(dir, 'one'), ...ports });
  t.teardown(() => first.kill('SIGKILL'));
  await waitForListening(first);
  const second = run({ BURROW_DATA_DIR: join(dir, 'two'), ...ports });
  t.deepEqual(await second.exit, { code: 1, signal: null });
  t.regex(second.stdout(), /EADDRINUSE/);
  first.kill('SIGTERM');
  t.deepEqual(await first.exit, { code: 0, signal: null });
});
