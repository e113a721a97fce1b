// systemd's notifications from burrowd: the environment read as sd_notify(3) reads it, datagrams that really arrive
// on a Unix datagram socket (bound by python3, as Node cannot), pings that stop when the event loop is blocked or
// something is hung, and nothing at all outside systemd.
import test, { type ExecutionContext } from 'ava';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { notifyConfig, SystemdNotify } from './systemd-notify.js';

/** Binds argv[1] (a path, or @name for an abstract socket) and prints each datagram as [monotonic s, text]. */
const RECEIVER = `
import json, socket, sys, time
name = sys.argv[1]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind('\\0' + name[1:] if name.startswith('@') else name)
print('bound', flush=True)
while True:
    data = s.recv(4096)
    print(json.dumps([time.monotonic(), data.decode()]), flush=True)
`;

interface Received {
  readonly at: number;
  readonly message: string;
}

/** A notification socket like systemd's; resolves once it is bound. */
async function receiver(t: ExecutionContext, socketPath: string) {
  const child = spawn('python3', ['-c', RECEIVER, socketPath], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => child.kill('SIGKILL'));
  const received: Received[] = [];
  const waiters: Array<() => void> = [];
  const lines = createInterface({ input: child.stdout });
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the python3 receiver exited (${code})`)));
    lines.on('line', (line) => {
      if (line === 'bound') {
        resolve();
        return;
      }
      const [at, message] = JSON.parse(line) as [number, string];
      received.push({ at: at * 1000, message });
      waiters.splice(0).forEach((wake) => wake());
    });
  });
  /** Waits until `count` datagrams saying `message` arrived (or fails after 5 s). */
  const until = async (message: string, count = 1): Promise<Received[]> => {
    const deadline = Date.now() + 5_000;
    for (;;) {
      const matching = received.filter((entry) => entry.message === message);
      if (matching.length >= count) {
        return matching;
      }
      if (Date.now() > deadline) {
        throw new Error(`${count} × ${message} did not arrive; got ${JSON.stringify(received)}`);
      }
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
  };
  return { received, until };
}

function tempSocket(t: ExecutionContext): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'burrow-notify-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return path.join(dir, 'notify');
}

function logs() {
  const warnings: string[] = [];
  return { warnings, log: { warn: (message: string) => void warnings.push(message) } };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('the environment is read as sd_notify(3) and sd_watchdog_enabled(3) read it', (t) => {
  t.deepEqual(notifyConfig({}, 42), { socketPath: null, watchdogMs: null, problems: [] });
  t.deepEqual(notifyConfig({ NOTIFY_SOCKET: '/run/systemd/notify', WATCHDOG_USEC: '30000000' }, 42), {
    socketPath: '/run/systemd/notify',
    watchdogMs: 30_000,
    problems: [],
  });
  t.is(
    notifyConfig({ NOTIFY_SOCKET: '@/org/freedesktop/systemd1/notify' }, 42).socketPath,
    '@/org/freedesktop/systemd1/notify',
  );
  // WATCHDOG_PID names the process the watchdog is for: another one's (a child that inherited it) does not ping.
  t.is(notifyConfig({ NOTIFY_SOCKET: '/n', WATCHDOG_USEC: '1000000', WATCHDOG_PID: '42' }, 42).watchdogMs, 1000);
  t.is(notifyConfig({ NOTIFY_SOCKET: '/n', WATCHDOG_USEC: '1000000', WATCHDOG_PID: '43' }, 42).watchdogMs, null);
  // A watchdog without a socket to ping it on is no watchdog.
  t.is(notifyConfig({ WATCHDOG_USEC: '1000000' }, 42).watchdogMs, null);
  const relative = notifyConfig({ NOTIFY_SOCKET: 'notify', WATCHDOG_USEC: '1000000' }, 42);
  t.is(relative.socketPath, null);
  t.regex(relative.problems[0] ?? '', /NOTIFY_SOCKET=notify/);
  for (const usec of ['0', '-5', '1e6', 'soon']) {
    const bad = notifyConfig({ NOTIFY_SOCKET: '/n', WATCHDOG_USEC: usec }, 42);
    t.is(bad.watchdogMs, null, usec);
    t.regex(bad.problems[0] ?? '', /WATCHDOG_USEC/, usec);
  }
});

test('READY=1, WATCHDOG=1 and STOPPING=1 arrive on a notification socket at a path', async (t) => {
  const socketPath = tempSocket(t);
  const socket = await receiver(t, socketPath);
  const { warnings, log } = logs();
  const notify = new SystemdNotify({
    config: notifyConfig({ NOTIFY_SOCKET: socketPath, WATCHDOG_USEC: '100000' }, 1),
    log,
  });
  t.teardown(() => notify.stopWatchdog());
  notify.startWatchdog(() => null);
  notify.ready();
  await socket.until('READY=1');
  await socket.until('WATCHDOG=1', 3);
  notify.stopping();
  await socket.until('STOPPING=1');
  const count = socket.received.filter((entry) => entry.message === 'WATCHDOG=1').length;
  await sleep(200);
  t.is(socket.received.filter((entry) => entry.message === 'WATCHDOG=1').length, count, 'no ping after STOPPING=1');
  t.deepEqual(warnings, []);
});

test('an abstract notification socket (@name) is reached too', async (t) => {
  const name = `@burrow-notify-test-${randomBytes(6).toString('hex')}`;
  const socket = await receiver(t, name);
  const { warnings, log } = logs();
  const notify = new SystemdNotify({ config: notifyConfig({ NOTIFY_SOCKET: name }, 1), log });
  notify.ready();
  t.is((await socket.until('READY=1')).length, 1);
  t.deepEqual(warnings, []);
});

test('outside systemd nothing is sent and nothing fails', async (t) => {
  const sent: string[] = [];
  const { warnings, log } = logs();
  const notify = new SystemdNotify({
    config: notifyConfig({ WATCHDOG_USEC: '20000' }, 1),
    log,
    send: (_socketPath, message) => void sent.push(message),
  });
  notify.startWatchdog(() => null);
  notify.ready();
  await sleep(100);
  notify.stopping();
  t.deepEqual(sent, []);
  t.deepEqual(warnings, []);
  // The same through the addon: no socket, no call into it.
  const real = new SystemdNotify({ config: notifyConfig({}, 1), log });
  t.notThrows(() => real.ready());
});

test('a socket nobody listens on is logged once, never thrown', async (t) => {
  const { warnings, log } = logs();
  const notify = new SystemdNotify({
    config: notifyConfig({ NOTIFY_SOCKET: tempSocket(t), WATCHDOG_USEC: '40000' }, 1),
    log,
  });
  t.teardown(() => notify.stopWatchdog());
  notify.startWatchdog(() => null);
  t.notThrows(() => notify.ready());
  await sleep(150);
  t.is(warnings.length, 1, warnings.join('\n'));
  t.regex(warnings[0] ?? '', /telling systemd READY=1 failed: sendto .*: ENOENT/);
});

test('the pings stop while something is hung, and say why once', async (t) => {
  const sent: string[] = [];
  const { warnings, log } = logs();
  let hung: string | null = null;
  const notify = new SystemdNotify({
    config: notifyConfig({ NOTIFY_SOCKET: '/run/test-notify', WATCHDOG_USEC: '40000' }, 1),
    log,
    send: (_socketPath, message) => void sent.push(message),
  });
  t.teardown(() => notify.stopWatchdog());
  notify.startWatchdog(() => hung);
  await sleep(100);
  t.true(sent.length >= 2, `pings while nothing is hung: ${sent.length}`);
  hung = 'a desired state has been applying for 700 s';
  await sleep(30);
  const before = sent.length;
  await sleep(150);
  t.is(sent.length, before, 'no ping while hung');
  t.deepEqual(warnings, [
    'withholding the watchdog ping, so systemd restarts burrowd: a desired state has been applying for 700 s',
  ]);
  hung = null;
  await sleep(100);
  t.true(sent.length > before, 'the pings resume');
});

// Serial: the block would stall the other tests' timers too.
test.serial('a blocked event loop stops the pings: systemd sees the gap', async (t) => {
  const socketPath = tempSocket(t);
  const socket = await receiver(t, socketPath);
  const notify = new SystemdNotify({
    config: notifyConfig({ NOTIFY_SOCKET: socketPath, WATCHDOG_USEC: '100000' }, 1),
    log: logs().log,
  });
  t.teardown(() => notify.stopWatchdog());
  notify.startWatchdog(() => null);
  await socket.until('WATCHDOG=1', 2);
  const blockedAt = socket.received.length;
  // Busy, as a loop stuck in JavaScript would be: every 50 ms ping falls in this second.
  const end = Date.now() + 1_000;
  while (Date.now() < end) {
    // blocked
  }
  const count = socket.received.filter((entry) => entry.message === 'WATCHDOG=1').length;
  await socket.until('WATCHDOG=1', count + 2);
  const pings = socket.received.filter((entry) => entry.message === 'WATCHDOG=1').map((entry) => entry.at);
  const gaps = pings.slice(1).map((at, i) => at - pings[i]!);
  t.true(Math.max(...gaps) >= 900, `the longest gap between pings: ${Math.max(...gaps)} ms`);
  t.true(blockedAt >= 2);
});

test('fromEnvironment takes systemd variables out of the environment children inherit', (t) => {
  process.env['NOTIFY_SOCKET'] = '/run/test-notify';
  process.env['WATCHDOG_USEC'] = '30000000';
  process.env['WATCHDOG_PID'] = String(process.pid);
  const notify = SystemdNotify.fromEnvironment(logs().log);
  t.is(notify.watchdogMs, 30_000);
  for (const name of ['NOTIFY_SOCKET', 'WATCHDOG_USEC', 'WATCHDOG_PID']) {
    t.false(name in process.env, name);
  }
});
