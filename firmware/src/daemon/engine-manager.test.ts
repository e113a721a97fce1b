// endLeftoverEngines with real processes: an engine a killed burrowd left running (its pid file names it, it runs
// exactly the engine's argv for that interface) is ended before the new burrowd applies anything; a pid file naming
// some other program is left alone.
import test, { type ExecutionContext } from 'ava';
import { spawn } from 'node:child_process';
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { endLeftoverEngines } from './engine-manager.js';

/** Stands in for [node, burrow-wg]: a program that runs until signalled, whatever follows `--`. */
const COMMAND = [process.execPath, '-e', 'setInterval(() => undefined, 1000)', '--'];
const SLEEP = '/usr/bin/sleep';

async function tempDir(t: ExecutionContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'burrow-engine-manager-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Starts a detached process (as the supervisor does) that the test kills at the end if it still runs. */
function leftover(t: ExecutionContext, argv: readonly string[]) {
  const child = spawn(argv[0]!, argv.slice(1), { detached: true, stdio: 'ignore' });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_, signal) => resolve(signal)));
  t.teardown(() => {
    child.kill('SIGKILL');
  });
  return { pid: child.pid!, exited, running: () => child.exitCode === null && child.signalCode === null };
}

test('ends each engine a dead burrowd left running and leaves other programs alone', async (t) => {
  const runDir = await tempDir(t);
  const upstream = leftover(t, [...COMMAND, '-f', 'wg0']);
  const remote = leftover(t, [...COMMAND, '-f', 'wg1']);
  // A pid reused by an unrelated program, and an engine's pid file for another interface than its argv says.
  const other = leftover(t, [SLEEP, '1001']);
  const renamed = leftover(t, [...COMMAND, '-f', 'wg7']);
  await writeFile(join(runDir, 'engine-wg0.pid'), `${upstream.pid}\n`);
  await writeFile(join(runDir, 'engine-wg1.pid'), `${remote.pid}\n`);
  await writeFile(join(runDir, 'engine-wg2.pid'), `${other.pid}\n`);
  await writeFile(join(runDir, 'engine-wg3.pid'), `${renamed.pid}\n`);
  await writeFile(join(runDir, 'dnsmasq.pid'), 'not ours\n');
  const lines: string[] = [];
  const log = { info: (line: string) => lines.push(line), warn: (line: string) => lines.push(`warn: ${line}`) };

  await endLeftoverEngines(runDir, COMMAND, log);

  t.is(await upstream.exited, 'SIGTERM');
  t.is(await remote.exited, 'SIGTERM');
  t.true(lines.includes(`engine wg0: ending pid ${upstream.pid}, left running by an earlier supervisor`));
  await t.throwsAsync(access(join(runDir, 'engine-wg0.pid')), { code: 'ENOENT' });
  await t.throwsAsync(access(join(runDir, 'engine-wg1.pid')), { code: 'ENOENT' });
  t.true(other.running(), 'a program that is not an engine runs on');
  t.true(renamed.running(), "an engine whose argv names another interface than its pid file's runs on");
  t.false(
    lines.some((line) => line.startsWith('warn')),
    lines.join('\n'),
  );
});

test('a run directory without pid files is fine', async (t) => {
  const runDir = await tempDir(t);
  const lines: string[] = [];
  await endLeftoverEngines(runDir, COMMAND, { info: (line) => lines.push(line), warn: (line) => lines.push(line) });
  t.deepEqual(lines, []);
});
