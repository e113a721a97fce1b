// The supervisor with real child processes (node, sleep, false): restarts with backoff, reset after a stable run,
// clean and forced stops, process groups, leftovers of an earlier supervisor, and spawn failures.
import test, { type ExecutionContext } from 'ava';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Supervisor, type ChildExit, type StartedChild, type SupervisorOptions } from './supervisor.js';

const NODE = process.execPath;
const SLEEP = '/usr/bin/sleep';
const FALSE = '/usr/bin/false';
const FAST = { initialDelayMs: 20, maxDelayMs: 80, stableAfterMs: 10_000 };

interface Watched {
  readonly supervisor: Supervisor;
  readonly starts: StartedChild[];
  readonly exits: ChildExit[];
  readonly lines: string[];
}

/** A supervisor whose hooks and log are recorded, stopped when the test ends. */
function supervise(t: ExecutionContext, options: Omit<SupervisorOptions, 'log' | 'name'>): Watched {
  const watched: Watched = {
    starts: [],
    exits: [],
    lines: [],
    supervisor: new Supervisor({
      name: 'child',
      ...options,
      log: (line) => watched.lines.push(line),
      onStart: (child) => {
        watched.starts.push(child);
        return options.onStart?.(child);
      },
      onExit: (exit) => {
        watched.exits.push(exit);
      },
    }),
  };
  t.teardown(() => watched.supervisor.stop());
  return watched;
}

async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await sleep(10);
  }
}

/** Alive and not a zombie (an orphan here may never be reaped, but it no longer runs). */
async function isRunning(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

async function tempDir(t: ExecutionContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'burrow-supervisor-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('start runs the child and calls onStart; stop ends it with SIGTERM and does not restart it', async (t) => {
  const { supervisor, starts, exits } = supervise(t, { argv: [SLEEP, '1000'], backoff: FAST });
  t.is(supervisor.state, 'idle');
  await supervisor.start();
  t.is(supervisor.state, 'running');
  t.true(supervisor.running);
  const pid = supervisor.pid!;
  t.true(await isRunning(pid));
  await waitFor('onStart', () => starts.length === 1);
  t.deepEqual(starts, [{ pid, start: 1 }]);

  await supervisor.start();
  t.is(supervisor.pid, pid, 'a second start changes nothing');

  await supervisor.stop();
  t.is(supervisor.state, 'idle');
  t.false(supervisor.running);
  t.false(await isRunning(pid));
  t.like(exits[0], { pid, code: null, signal: 'SIGTERM', requested: true, restartInMs: null });
  await sleep(100);
  t.is(supervisor.startCount, 1);
});

test('a child killed with SIGKILL is restarted after the initial delay', async (t) => {
  const { supervisor, starts, exits } = supervise(t, { argv: [SLEEP, '1000'], backoff: FAST });
  await supervisor.start();
  const first = supervisor.pid!;
  process.kill(first, 'SIGKILL');
  await waitFor('a new child', () => starts.length === 2);
  t.like(exits[0], { pid: first, signal: 'SIGKILL', requested: false, restartInMs: 20 });
  t.not(supervisor.pid, first);
  t.true(await isRunning(supervisor.pid!));
  t.is(starts[1]!.start, 2);
});

test('quick crashes double the delay up to the cap', async (t) => {
  const { supervisor, exits } = supervise(t, { argv: [FALSE], backoff: FAST });
  await supervisor.start();
  await waitFor('six exits', () => exits.length >= 6);
  await supervisor.stop();
  t.deepEqual(
    exits.slice(0, 6).map((exit) => exit.restartInMs),
    [20, 40, 80, 80, 80, 80],
  );
  t.true(exits.slice(0, 6).every((exit) => exit.code === 1 && !exit.requested));
});

test('a stable run resets the backoff', async (t) => {
  const dir = await tempDir(t);
  const counter = join(dir, 'runs');
  await writeFile(counter, '0');
  // Runs 1-3 and 5 exit at once; run 4 stays up 1.5 s, longer than stableAfterMs; run 6 stays up. (Node's own start
  // takes a good part of a second on a loaded machine, hence the generous times.)
  const script = `
    const fs = require('node:fs');
    const run = Number(fs.readFileSync(process.argv[1], 'utf8')) + 1;
    fs.writeFileSync(process.argv[1], String(run));
    if (run === 4) { setTimeout(() => process.exit(2), 1500); }
    else if (run < 6) { process.exit(2); }
    else { setInterval(() => {}, 1000); }`;
  const { supervisor, exits, starts } = supervise(t, {
    argv: [NODE, '-e', script, counter],
    backoff: { initialDelayMs: 20, maxDelayMs: 1_000, stableAfterMs: 1_000 },
  });
  await supervisor.start();
  await waitFor('the sixth run', () => starts.length === 6, 10_000);
  t.deepEqual(
    exits.map((exit) => exit.restartInMs),
    [20, 40, 80, 20, 40],
  );
  t.true(exits[3]!.ranForMs >= 1_000);
});

test('a crash while stopping is not restarted, and stop cancels a pending restart', async (t) => {
  const { supervisor, exits } = supervise(t, {
    argv: [FALSE],
    backoff: { initialDelayMs: 300, maxDelayMs: 300, stableAfterMs: 10_000 },
  });
  await supervisor.start();
  await waitFor('the first exit', () => exits.length === 1);
  t.is(supervisor.state, 'waiting');
  await supervisor.stop();
  t.is(supervisor.state, 'idle');
  await sleep(500);
  t.is(supervisor.startCount, 1);
});

test('a child that ignores SIGTERM is killed after the grace', async (t) => {
  const { supervisor, exits, lines } = supervise(t, {
    argv: [
      NODE,
      '-e',
      `process.on('SIGTERM', () => console.log('ignoring SIGTERM')); console.log('ready'); setInterval(() => {}, 1000);`,
    ],
    stopGraceMs: 300,
  });
  await supervisor.start();
  await waitFor('the SIGTERM handler', () => lines.includes('[child] ready'));
  const began = Date.now();
  await supervisor.stop();
  t.true(Date.now() - began >= 280);
  t.like(exits[0], { signal: 'SIGKILL', requested: true, restartInMs: null });
  t.true(lines.includes('[child] ignoring SIGTERM'));
  t.true(lines.some((line) => line.includes('sending SIGKILL')));
});

test('stopping ends what the child forked too (its process group)', async (t) => {
  const script = `
    const { spawn } = require('node:child_process');
    const grandchild = spawn('${SLEEP}', ['1000'], { stdio: 'ignore' });
    console.log('grandchild ' + grandchild.pid);
    setInterval(() => {}, 1000);`;
  const { supervisor, lines } = supervise(t, { argv: [NODE, '-e', script] });
  await supervisor.start();
  await waitFor('the grandchild', () => lines.some((line) => line.startsWith('[child] grandchild ')));
  const grandchild = Number(lines.find((line) => line.startsWith('[child] grandchild '))!.split(' ')[2]);
  t.true(await isRunning(grandchild));
  await supervisor.stop();
  await waitFor('the grandchild to end', async () => !(await isRunning(grandchild)));
  t.pass();
});

test('when the child crashes, what it forked is ended before the restart', async (t) => {
  const script = `
    const { spawn } = require('node:child_process');
    const grandchild = spawn('${SLEEP}', ['1000'], { stdio: 'ignore' });
    console.log('grandchild ' + grandchild.pid);
    setTimeout(() => process.exit(7), 100);`;
  const { supervisor, lines, exits } = supervise(t, { argv: [NODE, '-e', script], backoff: FAST });
  await supervisor.start();
  await waitFor('the first crash', () => exits.length === 1);
  const grandchild = Number(lines.find((line) => line.startsWith('[child] grandchild '))!.split(' ')[2]);
  await waitFor('the grandchild to end', async () => !(await isRunning(grandchild)));
  t.is(exits[0]!.code, 7);
  t.true(exits[0]!.outputTail.includes(`grandchild ${grandchild}`));
});

test('restart ends the child and starts a new one at once, without counting a crash', async (t) => {
  const { supervisor, exits, starts } = supervise(t, { argv: [SLEEP, '1000'], backoff: FAST });
  await supervisor.start();
  const first = supervisor.pid!;
  await supervisor.restart();
  const second = supervisor.pid!;
  t.not(second, first);
  t.false(await isRunning(first));
  t.true(await isRunning(second));
  t.like(exits[0], { pid: first, requested: true, restartInMs: null });
  await waitFor('onStart twice', () => starts.length === 2);
  await sleep(100);
  t.is(supervisor.startCount, 2, 'no extra start from the requested exit');
});

test('restart of an idle supervisor starts it', async (t) => {
  const { supervisor } = supervise(t, { argv: [SLEEP, '1000'] });
  await supervisor.restart();
  t.true(supervisor.running);
});

test('a program that cannot be spawned is retried with backoff and reported', async (t) => {
  const { supervisor, exits, lines } = supervise(t, { argv: ['/nonexistent/burrow-test-program'], backoff: FAST });
  await supervisor.start();
  await waitFor('three attempts', () => exits.length >= 3);
  await supervisor.stop();
  t.like(exits[0], { pid: undefined, spawnError: 'spawn /nonexistent/burrow-test-program ENOENT', restartInMs: 20 });
  t.is(exits[1]!.restartInMs, 40);
  t.true(lines.some((line) => line.includes('cannot start /nonexistent/burrow-test-program')));
  t.is(supervisor.startCount, 0);
});

test('an onStart hook that throws is logged, and the child keeps running', async (t) => {
  const { supervisor, lines } = supervise(t, {
    argv: [SLEEP, '1000'],
    onStart: () => Promise.reject(new Error('cannot configure')),
  });
  await supervisor.start();
  await waitFor('the log line', () => lines.includes('child supervisor: onStart failed: cannot configure'));
  t.true(supervisor.running);
});

test('the pid file: written at start, a leftover running our argv is ended, removed at stop', async (t) => {
  const dir = await tempDir(t);
  const pidFile = join(dir, 'child.pid');
  const argv = [SLEEP, '1001'];
  // What a supervisor in a burrowd that died would have left: the child, in its own group, and its pid file.
  const leftover = spawn(argv[0]!, argv.slice(1), { detached: true, stdio: 'ignore' });
  const leftoverExit = new Promise<NodeJS.Signals | null>((resolve) =>
    leftover.once('exit', (_, signal) => resolve(signal)),
  );
  await writeFile(pidFile, `${leftover.pid}\n`);

  const { supervisor, lines } = supervise(t, { argv, pidFile });
  await supervisor.start();
  t.is(await leftoverExit, 'SIGTERM');
  t.true(lines.includes(`child supervisor: ending pid ${leftover.pid}, left running by an earlier supervisor`));
  await waitFor(
    'the pid file',
    async () => (await readFile(pidFile, 'utf8').catch(() => '')) === `${supervisor.pid}\n`,
  );

  await supervisor.stop();
  await t.throwsAsync(readFile(pidFile), { code: 'ENOENT' });
});

test('the pid file: a process running something else is left alone', async (t) => {
  const dir = await tempDir(t);
  const pidFile = join(dir, 'child.pid');
  const other = spawn(SLEEP, ['1002'], { stdio: 'ignore' });
  t.teardown(() => {
    other.kill('SIGKILL');
  });
  await writeFile(pidFile, `${other.pid}\n`);
  const { supervisor } = supervise(t, { argv: [SLEEP, '1003'], pidFile });
  await supervisor.start();
  t.true(await isRunning(other.pid!));
  t.not(supervisor.pid, other.pid);
});

test('the pid file: junk or a pid that is gone is ignored', async (t) => {
  const dir = await tempDir(t);
  const pidFile = join(dir, 'child.pid');
  await writeFile(pidFile, 'not a pid\n');
  const { supervisor } = supervise(t, { argv: [SLEEP, '1004'], pidFile });
  await supervisor.start();
  t.true(supervisor.running);
});

test('refuses a relative program path', (t) => {
  t.throws(() => new Supervisor({ name: 'x', argv: ['sleep', '1'], log: () => undefined }), {
    message: /absolute path/,
  });
});
