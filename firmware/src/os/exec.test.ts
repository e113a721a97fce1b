// The exec helper against real commands: exit codes, stdin, timeouts, output caps, and what errors reveal.
import test from 'ava';
import os from 'node:os';
import { ExecError, RecordingExecutor, run, SpawnExecutor } from './exec.js';

/** Node runs the small fixture programs: a script argument, not a shell command line. */
const node = (script: string) => [process.execPath, '-e', script];

async function failure(promise: Promise<unknown>): Promise<ExecError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  if (!(error instanceof ExecError)) {
    throw new Error(`expected an ExecError, got ${String(error)}`);
  }
  return error;
}

test('a command that succeeds resolves with its output and code 0', async (t) => {
  t.deepEqual(await run(['/bin/true']), { stdout: '', stderr: '', code: 0 });
  t.deepEqual(await run(['echo', 'hello']), { stdout: 'hello\n', stderr: '', code: 0 });
});

test('a non-zero exit rejects with the command, the code and the trimmed stderr', async (t) => {
  const error = await failure(run(['ls', '/nonexistent-burrow-path']));
  t.is(error.failure, 'exit');
  t.is(error.command, 'ls');
  t.is(error.code, 2);
  t.is(error.signal, null);
  t.regex(error.stderr, /^ls: .*nonexistent-burrow-path.*No such file or directory$/);
  t.regex(error.message, /^ls \/nonexistent-burrow-path exited with code 2: ls: /);
  const plain = await failure(run(['false']));
  t.is(plain.code, 1);
  t.is(plain.message, 'false exited with code 1');
});

test('exit codes listed as fine resolve, carrying the code', async (t) => {
  t.deepEqual(await run(['false'], { okExitCodes: [1] }), { stdout: '', stderr: '', code: 1 });
  await t.throwsAsync(run(['false'], { okExitCodes: [2] }), { instanceOf: ExecError });
});

test('input goes to stdin, as a string or as bytes; without input stdin is closed at once', async (t) => {
  t.is((await run(['cat'], { input: 'line one\nline two\n' })).stdout, 'line one\nline two\n');
  t.is((await run(['cat'], { input: Buffer.from('bytes') })).stdout, 'bytes');
  t.is((await run(['cat'])).stdout, '', 'cat would wait forever on an open stdin');
});

test('arguments reach the command literally: no shell ever reads them', async (t) => {
  const tricky = ['$(id)', '; rm -rf x', '`x`', '"quoted" \'single\'', '*', 'a\nb', '|| true'];
  const { stdout } = await run(node('process.stdout.write(JSON.stringify(process.argv.slice(1)))').concat(tricky));
  t.deepEqual(JSON.parse(stdout), tricky);
});

test('env replaces the environment and cwd sets the directory', async (t) => {
  const { stdout } = await run(['printenv', 'BURROW_PROBE'], {
    env: { PATH: process.env['PATH'], BURROW_PROBE: 'x1' },
  });
  t.is(stdout, 'x1\n');
  await t.throwsAsync(run(['printenv', 'HOME'], { env: { PATH: process.env['PATH'] } }), { instanceOf: ExecError });
  const cwd = os.tmpdir();
  t.is((await run(['pwd'], { cwd })).stdout.trim(), cwd);
});

test('a command that runs too long is killed and the call rejects as a timeout', async (t) => {
  const started = Date.now();
  const error = await failure(run(['sleep', '30'], { timeoutMs: 200 }));
  t.is(error.failure, 'timeout');
  t.is(error.signal, 'SIGTERM');
  t.regex(error.message, /^sleep 30 timed out after 200 ms; killed/);
  t.true(Date.now() - started < 2_000);
});

test('a command that ignores SIGTERM gets SIGKILL after the grace', async (t) => {
  const started = Date.now();
  const stubborn = node('process.on("SIGTERM", () => {}); console.log("ready"); setInterval(() => {}, 1000)');
  // The timeout leaves node time to start and install its handler, even on a busy machine.
  const error = await failure(run(stubborn, { timeoutMs: 2_500, killGraceMs: 300 }));
  t.is(error.failure, 'timeout');
  t.is(error.signal, 'SIGKILL');
  t.true(Date.now() - started < 5_000);
});

test('a command killed by a signal rejects naming the signal', async (t) => {
  const error = await failure(run(node('process.kill(process.pid, "SIGKILL")')));
  t.is(error.failure, 'signal');
  t.is(error.signal, 'SIGKILL');
  t.is(error.code, null);
  t.regex(error.message, /was killed by SIGKILL$/);
});

test('output past the cap kills the command; a large output under a large cap arrives whole', async (t) => {
  const error = await failure(run(['head', '-c', '10000000', '/dev/zero'], { maxOutputBytes: 4096 }));
  t.is(error.failure, 'output-limit');
  t.regex(error.message, /wrote more than 4096 bytes to stdout; killed/);

  const big = 24 * 1024 * 1024;
  const { stdout } = await run(['head', '-c', String(big), '/dev/zero'], { maxOutputBytes: 64 * 1024 * 1024 });
  t.is(stdout.length, big);
});

test('a command that does not exist, or a bad argv, is refused clearly', async (t) => {
  const missing = await failure(run(['burrow-no-such-command', '--flag']));
  t.is(missing.failure, 'spawn');
  t.regex(missing.message, /^cannot run burrow-no-such-command --flag: spawn burrow-no-such-command ENOENT/);
  await t.throwsAsync(run([]), { instanceOf: TypeError, message: /non-empty argv\[0\]/ });
  await t.throwsAsync(run(['./relative']), { instanceOf: TypeError, message: /absolute path/ });
  await t.throwsAsync(run(['echo', 'a\0b']), { instanceOf: TypeError, message: /NUL/ });
});

test('an error never repeats a secret given on stdin, even when the command echoes it', async (t) => {
  const secret = 'private_key=yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=';
  const echoAndFail = node('process.stdin.pipe(process.stderr); process.stdin.on("end", () => process.exit(3))');
  const error = await failure(run(echoAndFail, { input: `${secret}\nlisten_port=51820\n` }));
  t.is(error.code, 3);
  t.false(error.message.includes('yAnz5TF'));
  t.false(error.stderr.includes('yAnz5TF'));
  t.is(error.stderr, '[stdin]\n[stdin]');

  const reading = await failure(run(['cat', '-', '/nonexistent-burrow-path'], { input: secret }));
  t.false(reading.message.includes('yAnz5TF'), 'cat copied the input to stdout, which errors never carry');

  const open = await failure(run(echoAndFail, { input: 'table inet burrow {', inputIsPublic: true }));
  t.is(open.stderr, 'table inet burrow {', 'public input is left in place for diagnostics');
});

test('pipes left open by a grandchild do not hold the call past the grace', async (t) => {
  const leaveChild =
    'const c = require("child_process").spawn("sleep", ["30"], { stdio: "inherit", detached: true });' +
    'console.log(c.pid); c.unref()';
  const started = Date.now();
  const { stdout } = await run(node(leaveChild), { killGraceMs: 300 });
  const grandchild = Number(stdout.trim());
  t.teardown(() => process.kill(grandchild, 'SIGKILL'));
  t.true(Number.isInteger(grandchild) && grandchild > 0);
  t.true(Date.now() - started < 5_000);
});

test('the recording executor remembers calls and passes them to the real one', async (t) => {
  const recording = new RecordingExecutor(new SpawnExecutor());
  t.is((await recording.run(['cat'], { input: 'x' })).stdout, 'x');
  await t.throwsAsync(recording.run(['false']));
  t.deepEqual(recording.calls, [
    { argv: ['cat'], input: 'x' },
    { argv: ['false'], input: undefined },
  ]);
});
