// Drives a program in a detached tmux session, as a person at an 80x24 terminal would: send keys, read the screen.
// Each session runs on its own tmux server (-L), so tests never see each other's sessions or a user's own.
import { execFile, execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);
const POLL_MS = 100;
let counter = 0;

export interface TmuxOptions {
  command: string[];
  /** Set for the program only (TERM among them: tmux sets its own otherwise). */
  env?: Record<string, string>;
  cols?: number;
  rows?: number;
}

export interface TmuxSession {
  /** tmux key names ("Enter", "Escape", "C-c") or characters, each sent as a key. */
  sendKeys(...keys: string[]): Promise<void>;
  /** Types `text` literally. */
  type(text: string): Promise<void>;
  /** The visible screen as text, one line per row. */
  capture(): Promise<string>;
  /** Waits until the screen shows `expected`; fails with the last screen in the message. */
  waitFor(expected: string | RegExp, timeoutMs?: number): Promise<string>;
  /** Ends the session's server: the program gets SIGHUP, as on a lost terminal. */
  kill(): void;
  /** Whether the program has exited (the pane stays, so its last screen can be read). */
  exited(): boolean;
}

export async function startInTmux(
  t: { teardown(cleanup: () => void): void },
  options: TmuxOptions,
): Promise<TmuxSession> {
  const server = `burrow-test-${process.pid}-${++counter}`;
  const target = `${server}:0`;
  const tmux = (...args: string[]) => execFileAsync('tmux', ['-L', server, ...args]);
  const tmuxSync = (...args: string[]) =>
    execFileSync('tmux', ['-L', server, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const env = Object.entries(options.env ?? {}).map(([name, value]) => `${name}=${value}`);
  // No config file (-f /dev/null); the pane stays after the program exits, so its last screen can be read.
  await tmux(
    '-f',
    '/dev/null',
    'new-session',
    '-d',
    '-s',
    server,
    '-x',
    String(options.cols ?? 80),
    '-y',
    String(options.rows ?? 24),
    'env',
    ...env,
    ...options.command,
    ';',
    'set-option',
    '-t',
    server,
    'remain-on-exit',
    'on',
  );
  // kill-server leaves its socket file behind; it is removed by path.
  const socketPath = (await tmux('display-message', '-p', '#{socket_path}')).stdout.trim();
  let killed = false;
  const kill = () => {
    if (!killed) {
      killed = true;
      try {
        tmuxSync('kill-server');
      } catch {
        // The server is gone already: only its socket file is left to remove.
      }
      rmSync(socketPath, { force: true });
    }
  };
  t.teardown(kill);

  const capture = async () => (await tmux('capture-pane', '-p', '-t', target)).stdout;
  return {
    sendKeys: async (...keys) => void (await tmux('send-keys', '-t', target, ...keys)),
    type: async (text) => void (await tmux('send-keys', '-t', target, '-l', text)),
    capture,
    async waitFor(expected, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const screen = await capture();
        if (typeof expected === 'string' ? screen.includes(expected) : expected.test(screen)) {
          return screen;
        }
        if (Date.now() > deadline) {
          throw new Error(`timed out waiting for ${String(expected)}; the screen:\n${screen}`);
        }
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
    },
    kill,
    exited() {
      try {
        return tmuxSync('display-message', '-p', '-t', target, '#{pane_dead}').trim() === '1';
      } catch {
        return true;
      }
    },
  };
}
