// 0. A root shell: behind the console password when an admin set one on the System page, otherwise behind a
// typed confirmation. Opening it is audited before the terminal is handed over.
import { type MenuEntry } from '../context.js';
import { Cancelled } from '../ui.js';

const TITLE = 'Shell';
const MAX_ATTEMPTS = 3;

export const shell: MenuEntry = {
  key: '0',
  label: 'Shell',
  async run({ ui, backend, host, handOver }) {
    // When the core cannot say whether a password is set, the shell stays shut: fail closed.
    if (await ui.working(TITLE, () => backend.shellPasswordSet())) {
      let problem: string[] = [];
      for (let attempt = 1; ; attempt++) {
        const password = await ui.secret(
          TITLE,
          ['The console password (set on the System page).', ...problem],
          'Password',
        );
        if (await ui.working(TITLE, () => backend.checkShellPassword(password))) {
          break;
        }
        if (attempt >= MAX_ATTEMPTS) {
          throw new Cancelled('Wrong console password. The shell stays shut.');
        }
        problem = ['', 'Wrong password. Try again.'];
      }
    } else {
      await ui.confirm(TITLE, [
        'A root shell on the router. What you do there bypasses every check of the web',
        'page. Type exit to come back to this menu.',
      ]);
    }
    await ui.working(TITLE, () => backend.recordConsoleEvent('console.shell', {}));
    await handOver(() => host.openShell());
  },
};
