// The recovery console's screen, driven like a person at an 80x24 terminal without colour: the real program
// (test/helpers/console-screen-fixture.ts) over a scripted backend that logs every call to a file read here.
// tmux's capture drops trailing spaces, so prompts are matched without theirs.
import test, { type ExecutionContext } from 'ava';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startInTmux, type TmuxSession } from '../../helpers/tmux.js';

const FIXTURE = fileURLToPath(new URL('../../helpers/console-screen-fixture.js', import.meta.url));
const MENU = 'Press a number to choose';
const CANCELLED = 'Cancelled, nothing was changed.';

interface Call {
  call: string;
  args: unknown[];
}

interface Console {
  tmux: TmuxSession;
  calls(): Promise<Call[]>;
  log(): Promise<string>;
}

async function startConsole(
  t: ExecutionContext,
  env: Record<string, string> = {},
  { waitForHeader = true } = {},
): Promise<Console> {
  const dir = await mkdtemp(path.join(tmpdir(), 'burrow-console-screen-'));
  t.teardown(() => rm(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 }));
  const logFile = path.join(dir, 'calls.jsonl');
  const tmux = await startInTmux(t, {
    command: [process.execPath, FIXTURE],
    env: { TERM: 'dumb', NO_COLOR: '1', BURROW_CONSOLE_FIXTURE_LOG: logFile, ...env },
  });
  const log = () => readFile(logFile, 'utf8').catch(() => '');
  const calls = async () =>
    (await log())
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Call);
  await tmux.waitFor(MENU);
  if (waitForHeader) {
    await tmux.waitFor('Kill switch:');
  }
  return { tmux, calls, log };
}

const names = (calls: Call[]) => calls.map((entry) => entry.call);

async function waitForCall(console: Console, call: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!names(await console.calls()).includes(call)) {
    if (Date.now() > deadline) {
      throw new Error(`no ${call} call; calls: ${names(await console.calls()).join(', ')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test.serial('the header and the menu fit 80 columns without colour', async (t) => {
  const { tmux } = await startConsole(t);
  const screen = await tmux.capture();
  const lines = screen.split('\n');
  t.true(
    lines.every((line) => line.length <= 79),
    screen,
  );
  t.false(screen.includes('\u001b'), 'no escape sequence reaches the screen as text');
  for (const expected of [
    /^Burrow recovery console · burrow-lab +firmware 0\.1\.0-test$/m,
    /^Uptime: 1 day, 02:03 +Self-test: passed 2026-12-02 11:00$/m,
    /^WAN: 203\.0\.113\.45\/24$/m,
    /^Web page: https:\/\/192\.168\.8\.1\/$/m,
    /^CA fingerprint: 00:07:0E:15:1C:23:2A:31:38:3F:46:4D:54:5B:62:69$/m,
    /^ {16}70:77:7E:85:8C:93:9A:A1:A8:AF:B6:BD:C4:CB:D2:D9$/m,
    /^Tunnel: provider-ch \(up\), last handshake 12:00:03 \(1 min ago\)$/m,
    /^Kill switch: ARMED$/m,
    /^burrowd: running {3}Web service: running$/m,
    /^ 1 {2}Status details +6 {2}Disarm the kill switch$/m,
    /^ 5 {2}Factory reset +0 {2}Shell$/m,
  ]) {
    t.regex(screen, expected);
  }
});

test.serial('each menu key opens its screen, and Escape comes back without changing anything', async (t) => {
  const console = await startConsole(t);
  const screens: [string, string][] = [
    ['1', 'Status details'],
    ['2', "Reset an admin's password"],
    ['3', 'Turn off two-factor sign-in'],
    ['4', 'Restore a configuration'],
    ['5', 'Factory reset'],
    ['6', 'Kill switch'],
    ['7', "The web page's certificate"],
    ['8', 'Network diagnostics'],
    ['9', 'Reboot or power off'],
    ['0', 'Shell'],
  ];
  for (const [key, title] of screens) {
    await console.tmux.sendKeys(key);
    await console.tmux.waitFor(new RegExp(`^${title}$`, 'm'));
    await console.tmux.sendKeys('Escape');
    await console.tmux.waitFor(MENU);
  }
  const changes = names(await console.calls()).filter((call) => !['statusDetails', 'listUsers'].includes(call));
  t.deepEqual(changes, []);
});

test.serial('a wrong confirmation cancels and calls nothing; the right one goes ahead', async (t) => {
  const console = await startConsole(t);
  await console.tmux.sendKeys('5');
  await console.tmux.waitFor('Type burrow-lab to go ahead');
  await console.tmux.type('burrow-lap');
  await console.tmux.sendKeys('Enter');
  await console.tmux.waitFor(CANCELLED);
  t.false(names(await console.calls()).includes('factoryReset'));

  await console.tmux.sendKeys('5');
  await console.tmux.waitFor('Type burrow-lab to go ahead');
  await console.tmux.type('burrow-lab');
  await console.tmux.sendKeys('Enter');
  await console.tmux.waitFor('The setup wizard is waiting.');
  t.true(names(await console.calls()).includes('factoryReset'));
});

test.serial('a secret prompt shows nothing of what is typed, and the secret is never logged', async (t) => {
  const console = await startConsole(t);
  await console.tmux.sendKeys('0');
  await console.tmux.waitFor(/^Password:$/m);
  await console.tmux.type('wrong-secret-42');
  await new Promise((resolve) => setTimeout(resolve, 300));
  const typed = await console.tmux.capture();
  t.false(typed.includes('wrong-secret-42'));
  t.false(typed.includes('*'));
  t.regex(typed, /^Password:$/m, 'the prompt line stays empty');
  await console.tmux.sendKeys('Enter');
  await console.tmux.waitFor('Wrong password. Try again.');
  t.false(names(await console.calls()).includes('openShell'));

  await console.tmux.type('right-password');
  await console.tmux.sendKeys('Enter');
  await waitForCall(console, 'openShell');
  const log = await console.log();
  t.false(log.includes('wrong-secret-42') || log.includes('right-password'));
  const calls = names(await console.calls());
  t.true(calls.indexOf('recordConsoleEvent') < calls.indexOf('openShell'));
  await console.tmux.waitFor(MENU);
});

test.serial('Ctrl-C during a slow action says so and lets it finish', async (t) => {
  const console = await startConsole(t);
  await console.tmux.sendKeys('6');
  await console.tmux.waitFor('For how many minutes (1-60):');
  await console.tmux.type('61');
  await console.tmux.sendKeys('Enter');
  await console.tmux.waitFor('"61" is not a whole number of minutes from 1 to 60.');
  await console.tmux.type('5');
  await console.tmux.sendKeys('Enter');
  await console.tmux.waitFor('Type yes to go ahead');
  await console.tmux.type('yes');
  await console.tmux.sendKeys('Enter');
  await console.tmux.waitFor('Working…');
  await console.tmux.sendKeys('C-c');
  await console.tmux.waitFor('Finishing the current step first…');
  t.false(names(await console.calls()).includes('disarmKillSwitch:done'));
  await console.tmux.waitFor('The kill switch is disarmed for 5 minutes.');
  t.deepEqual(names(await console.calls()).slice(-2), ['disarmKillSwitch', 'disarmKillSwitch:done']);
  await console.tmux.sendKeys('Enter');
  await console.tmux.waitFor(MENU);
});

test.serial('a lost terminal during an action ends the console only after the action finished', async (t) => {
  const console = await startConsole(t);
  await console.tmux.sendKeys('6');
  await console.tmux.waitFor('For how many minutes');
  await console.tmux.type('7');
  await console.tmux.sendKeys('Enter');
  await console.tmux.waitFor('Type yes');
  await console.tmux.type('yes');
  await console.tmux.sendKeys('Enter');
  await console.tmux.waitFor('Working…');
  console.tmux.kill();
  await waitForCall(console, 'exit');
  t.deepEqual(names(await console.calls()), ['disarmKillSwitch', 'disarmKillSwitch:done', 'exit']);
});

test.serial('Ctrl-C on the main menu only redraws: the console stays up', async (t) => {
  const { tmux } = await startConsole(t);
  await tmux.sendKeys('C-c');
  await new Promise((resolve) => setTimeout(resolve, 500));
  await tmux.waitFor(MENU);
  t.false(tmux.exited());
  await tmux.sendKeys('q');
  await tmux.waitFor('Leave the recovery console?');
  await tmux.type('yes');
  await tmux.sendKeys('Enter');
  for (let i = 0; i < 50 && !tmux.exited(); i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  t.true(tmux.exited());
});

test.serial('a restore from a USB stick asks the passphrase, unmounts, previews, then applies', async (t) => {
  const console = await startConsole(t);
  await console.tmux.sendKeys('4');
  await console.tmux.waitFor('a USB stick');
  await console.tmux.sendKeys('2');
  await console.tmux.waitFor('1  sda1  7.5G  vfat  STICK');
  await console.tmux.sendKeys('1');
  await console.tmux.waitFor('1  home.burrowbackup  2.0 KB');
  await console.tmux.sendKeys('1');
  await console.tmux.waitFor(/^Passphrase:$/m);
  await console.tmux.type('stick-passphrase');
  await console.tmux.sendKeys('Enter');
  await console.tmux.waitFor('Backup of burrow-lab, made 2026-10-01 09:00 (firmware 0.1.0).');
  t.false(names(await console.calls()).includes('applyRestore'));
  await console.tmux.type('yes');
  await console.tmux.sendKeys('Enter');
  await console.tmux.waitFor('Restored. The web page is restarting.');
  t.deepEqual(await console.calls(), [
    { call: 'listUsbPartitions', args: [] },
    { call: 'mountReadOnly', args: ['/dev/sda1'] },
    { call: 'listBackupFiles', args: ['/mnt/fixture'] },
    { call: 'previewBackupFile', args: ['/mnt/fixture/home.burrowbackup', null] },
    { call: 'previewBackupFile', args: ['/mnt/fixture/home.burrowbackup', '[secret]'] },
    { call: 'unmount', args: ['/mnt/fixture'] },
    { call: 'applyRestore', args: ['tf'] },
  ]);
});

test.serial('with burrowd down the header says so, and a refused action leaves the menu usable', async (t) => {
  const console = await startConsole(t, { BURROW_CONSOLE_FIXTURE_DOWN: '1' });
  await console.tmux.waitFor(/^burrowd: NOT RUNNING — firmware actions unavailable {3}Web service: running$/m);
  await console.tmux.waitFor('6  Disarm the kill switch (burrowd down)');
  await console.tmux.sendKeys('6');
  await console.tmux.waitFor('For how many minutes');
  await console.tmux.type('5');
  await console.tmux.sendKeys('Enter');
  await console.tmux.type('yes');
  await console.tmux.sendKeys('Enter');
  await console.tmux.waitFor('burrowd is not running: the kill switch cannot be changed.');
  t.deepEqual(names(await console.calls()), ['disarmKillSwitch']);
  await console.tmux.sendKeys('Enter');
  await console.tmux.waitFor(MENU);
  await console.tmux.sendKeys('1');
  await console.tmux.waitFor('wan0  203.0.113.45/24  up');
});

test.serial('a core slow to start is shown as starting, read once, and its header shows when it answers', async (t) => {
  // Longer than the screen waits for a header (4 s) and than one refresh (5 s): the image's first boot under
  // emulation, where the core takes minutes to open.
  const console = await startConsole(t, { BURROW_CONSOLE_FIXTURE_HEADER_DELAY_MS: '12000' }, { waitForHeader: false });
  await console.tmux.waitFor('Status: starting… (opening the configuration)');
  await new Promise((resolve) => setTimeout(resolve, 6_000));
  t.notRegex(await console.tmux.capture(), /NOT AVAILABLE/);
  await console.tmux.waitFor('Kill switch: ARMED', 15_000);
  t.deepEqual(names(await console.calls()), ['header'], 'one read, waited for across refreshes');
  await console.tmux.waitFor(/^burrowd: running {3}Web service: running$/m);
});
