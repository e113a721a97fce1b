// The recovery console on a real box: `burrow-console` in tmux inside the lab's router namespace (where it runs on
// the device), talking to the real burrowd over its control socket while the tunnel carries the household. The
// screens that read or drive burrowd: the header, status details, diagnostics, the timed disarm (which burrowd keeps
// across its own restart), and reboot on a machine that is not run by systemd.
import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startInTmux, type TmuxSession } from '../../helpers/tmux.js';
import { Gateway, householdSkipReason } from './fixture.js';

const CONSOLE = fileURLToPath(new URL('../../../../api/bin/burrow-console', import.meta.url));
const MENU = 'Press a number to choose';

const skipReason = await householdSkipReason();
const declare = skipReason === undefined ? test.serial : test.serial.skip;

let box: Gateway | undefined;
let tmux: TmuxSession | undefined;
// One box and one console for the file (a lab is heavy on a small machine), removed after the last test.
const cleanups: Array<() => unknown> = [];
const suite = {
  teardown: (cleanup: () => unknown) => void cleanups.push(cleanup),
  log: (...values: unknown[]) => console.log(...values),
};
test.after.always(async () => {
  for (const cleanup of cleanups.reverse()) {
    await cleanup();
  }
});

async function consoleOnTheBox(): Promise<{ gateway: Gateway; screen: TmuxSession }> {
  if (box === undefined) {
    box = await Gateway.start(suite);
    const dataDir = await mkdtemp(join(tmpdir(), 'burrow-console-data-'));
    suite.teardown(() => rm(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 }));
    tmux = await startInTmux(suite, {
      command: ['ip', 'netns', 'exec', box.router, process.execPath, CONSOLE],
      env: {
        TERM: 'dumb',
        NO_COLOR: '1',
        BURROW_DATA_DIR: dataDir,
        BURROW_FIRMWARE_SOCKET: box.socket,
        BURROW_HTTPS_PORT: '443',
      },
    });
  }
  await tmux!.waitFor(MENU, 30_000);
  return { gateway: box, screen: tmux! };
}

async function backToMenu(screen: TmuxSession): Promise<void> {
  await screen.sendKeys('Enter');
  await screen.waitFor(MENU);
}

declare('the header shows the box as burrowd runs it: addresses, the page, the tunnel, the kill switch', async (t) => {
  const { gateway, screen } = await consoleOnTheBox();
  const wan = gateway.record.router.wanAddress;
  const lan = gateway.record.router.lanAddress;
  const header = await screen.waitFor(`WAN: ${wan}`, 20_000);
  t.regex(header, new RegExp(`LAN: ${lan.replaceAll('.', '\\.')}`));
  t.regex(header, new RegExp(`Web page: https://${lan.split('/')[0]!.replaceAll('.', '\\.')}/`));
  t.regex(header, /Kill switch: ARMED/);
  t.notRegex(header, /burrowd: NOT RUNNING/);
  for (const line of header.split('\n')) {
    t.true(line.length <= 80, `fits 80 columns: ${line}`);
  }
});

declare('status details list the interfaces, the tunnel peer with its handshake, and the DHCP leases', async (t) => {
  const { gateway, screen } = await consoleOnTheBox();
  const lease = await gateway.lab.dhcp(gateway.lanDevices[0]);
  await screen.sendKeys('1');
  const details = await screen.waitFor('DHCP leases', 15_000);
  t.regex(details, new RegExp(gateway.record.router.wanInterface));
  t.regex(details, /handshake \d+ s ago/);
  t.regex(details, new RegExp(lease.address.replaceAll('.', '\\.')));
  await screen.sendKeys('q');
  await screen.waitFor(MENU);
});

declare(
  'diagnostics: a handshake with the VPN server and a ping of the WAN gateway, each with its result',
  async (t) => {
    const { gateway, screen } = await consoleOnTheBox();
    await screen.sendKeys('8');
    await screen.waitFor('Try a tunnel handshake');
    await screen.sendKeys('3');
    await screen.waitFor(/Handshake with \S+ completed in \d+ ms/, 20_000);
    await backToMenu(screen);

    await screen.sendKeys('8');
    await screen.waitFor('Ping a host');
    await screen.sendKeys('1');
    await screen.waitFor('Host');
    // The router's own traffic reaches its WAN link; beyond it only what the router itself needs is let out.
    await screen.type(gateway.record.router.gateway);
    await screen.sendKeys('Enter');
    const ping = await screen.waitFor(/\d+ packets transmitted/, 20_000);
    t.regex(ping, /3 received|3 packets received/);
    await backToMenu(screen);
  },
);

declare('a disarm shows until when; burrowd keeps it across its restart; re-armed from the menu', async (t) => {
  const { gateway, screen } = await consoleOnTheBox();
  await screen.sendKeys('6');
  await screen.waitFor('For how many minutes (1-60)');
  await screen.type('61');
  await screen.sendKeys('Enter');
  await screen.waitFor('is not a whole number of minutes from 1 to 60');
  await screen.type('2');
  await screen.sendKeys('Enter');
  await screen.waitFor('Disarm for 2 minutes?');
  await screen.type('yes');
  await screen.sendKeys('Enter');
  await screen.waitFor('The kill switch is off until');
  const until = (await gateway.status()).killSwitchState?.disarmedUntil;
  t.truthy(until, 'burrowd holds the deadline');
  await backToMenu(screen);
  await screen.waitFor('Kill switch: DISARMED until', 15_000);

  t.is(await gateway.burrowd.stop('SIGTERM'), 0);
  await screen.waitFor('burrowd: NOT RUNNING', 15_000);
  gateway.startBurrowd();
  await gateway.waitForBurrowd();
  t.is((await gateway.status()).killSwitchState?.disarmedUntil, until, 'the same deadline after the restart');
  await screen.waitFor('Kill switch: DISARMED until', 15_000);

  await screen.sendKeys('6');
  await screen.waitFor('Re-arm it now');
  await screen.sendKeys('1');
  await screen.waitFor('The kill switch is armed again.');
  await backToMenu(screen);
  await screen.waitFor('Kill switch: ARMED', 15_000);
  t.is((await gateway.status()).killSwitchState?.disarmedUntil, null);
});

declare('reboot on a machine not run by systemd says so and does nothing', async (t) => {
  const { screen } = await consoleOnTheBox();
  await screen.sendKeys('9');
  await screen.waitFor('Power off');
  await screen.sendKeys('1');
  await screen.waitFor('Type yes to go ahead');
  await screen.type('yes');
  await screen.sendKeys('Enter');
  await screen.waitFor('not run by systemd', 15_000);
  t.pass();
});
