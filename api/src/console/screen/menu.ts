// The main menu: one key per entry, in the order of the issue (#13), under the header.
import { certificates } from './actions/certificates.js';
import { diagnostics } from './actions/diagnostics.js';
import { restoreConfiguration } from './actions/restore.js';
import { shell } from './actions/shell.js';
import { statusDetails } from './actions/status.js';
import { factoryReset, killSwitch, power } from './actions/system.js';
import { disableTwoFactor, resetAdminPassword } from './actions/users.js';
import { type MenuEntry } from './context.js';
import { WIDTH } from './text.js';

export const MENU: readonly MenuEntry[] = [
  statusDetails,
  resetAdminPassword,
  disableTwoFactor,
  restoreConfiguration,
  factoryReset,
  killSwitch,
  certificates,
  diagnostics,
  power,
  shell,
];

/** Entries that only burrowd can do, marked on the menu while it is down. */
const NEEDS_BURROWD = new Set(['6']);
const COLUMN = 38;

/** The menu in two columns of five, then the way out. */
export function menuLines(burrowdUp: boolean): string[] {
  const label = (entry: MenuEntry) =>
    `${entry.key}  ${entry.label}${!burrowdUp && NEEDS_BURROWD.has(entry.key) ? ' (burrowd down)' : ''}`;
  const half = Math.ceil(MENU.length / 2);
  const rows = MENU.slice(0, half).map((left, i) => {
    const right = MENU[half + i];
    return ` ${label(left).padEnd(COLUMN)}${right === undefined ? '' : label(right)}`.slice(0, WIDTH);
  });
  return [...rows, ` q  Quit`];
}
