// 5. Factory reset; 6. the kill switch's timed disarm; 9. reboot or power off.
import { type MenuEntry } from '../context.js';
import { Cancelled } from '../ui.js';

const RESET_TITLE = 'Factory reset';
const KILL_SWITCH_TITLE = 'Kill switch';
const POWER_TITLE = 'Reboot or power off';
const MAX_DISARM_MINUTES = 60;

export const factoryReset: MenuEntry = {
  key: '5',
  label: 'Factory reset',
  async run({ ui, backend }) {
    // Read afresh: the hostname typed must be the router's own, not a stale one.
    const { hostname } = await ui.working(RESET_TITLE, () => backend.header());
    if (hostname.trim() === '') {
      // An empty answer must never confirm an erase.
      throw new Cancelled("The router's hostname could not be read: nothing was changed.");
    }
    await ui.confirm(
      RESET_TITLE,
      [
        'This ERASES every setting, account, tunnel and stored backup, and the router',
        'comes back to the setup wizard. The kill switch stays closed throughout:',
        'devices have no Internet until the setup is done again.',
      ],
      hostname,
    );
    const outcome = await ui.working(RESET_TITLE, () => backend.factoryReset());
    await ui.show(RESET_TITLE, outcome.lines);
  },
};

export const killSwitch: MenuEntry = {
  key: '6',
  label: 'Disarm the kill switch',
  async run({ ui, backend, header }) {
    const disarmed = header()?.killSwitch?.state === 'disarmed';
    if (disarmed) {
      const choice = await ui.choose(KILL_SWITCH_TITLE, ['The kill switch is disarmed.'], ['Re-arm it now']);
      if (choice === 0) {
        const outcome = await ui.working(KILL_SWITCH_TITLE, () => backend.rearmKillSwitch());
        await ui.show(KILL_SWITCH_TITLE, outcome.lines);
      }
      return;
    }
    const warning = [
      'WARNING: while the kill switch is disarmed, devices on your network reach the',
      'Internet WITHOUT the tunnel when it is down: their real address shows.',
      'It re-arms by itself when the time is up.',
    ];
    const minutes = await askMinutes(ui, warning);
    await ui.confirm(KILL_SWITCH_TITLE, [...warning, '', `Disarm for ${minutes} minutes?`]);
    const outcome = await ui.working(KILL_SWITCH_TITLE, () => backend.disarmKillSwitch(minutes));
    await ui.show(KILL_SWITCH_TITLE, outcome.lines);
  },
};

async function askMinutes(ui: Parameters<MenuEntry['run']>[0]['ui'], warning: string[]): Promise<number> {
  let problem: string[] = [];
  for (;;) {
    const typed = await ui.text(KILL_SWITCH_TITLE, [...warning, ...problem], `For how many minutes (1-60)`);
    const minutes = Number(typed);
    if (/^\d+$/.test(typed) && minutes >= 1 && minutes <= MAX_DISARM_MINUTES) {
      return minutes;
    }
    problem = ['', `"${typed}" is not a whole number of minutes from 1 to 60.`];
  }
}

export const power: MenuEntry = {
  key: '9',
  label: 'Reboot or power off',
  async run({ ui, backend, host }) {
    const choice = await ui.choose(POWER_TITLE, [], ['Reboot', 'Power off']);
    const reboot = choice === 0;
    await ui.confirm(POWER_TITLE, [
      reboot ? 'The router restarts: the network is down for a minute or two.' : 'The router switches off.',
    ]);
    await ui.working(POWER_TITLE, async () => {
      // Recorded first, since nothing runs after; a core that cannot record must not keep the router from
      // restarting, which is how a broken core is recovered.
      try {
        await backend.recordConsoleEvent(reboot ? 'console.reboot' : 'console.poweroff', {});
      } catch {
        // The audit log is the core's; the restart goes ahead without it.
      }
      await (reboot ? host.reboot() : host.powerOff());
    });
    await ui.show(POWER_TITLE, [reboot ? 'Rebooting…' : 'Powering off…']);
  },
};
