// A long-running process (a WireGuard daemon, a receiver, an iperf3 server) started by argv inside a
// network namespace, in its own process group so that stopping it stops everything it started.
import { spawn } from 'node:child_process';

const STOP_GRACE_MS = 5_000;
const OUTPUT_TAIL_CHARS = 4000;

export interface ManagedProcess {
  readonly pid: number;
  readonly description: string;
  /** Everything written to stdout and stderr so far. */
  readonly stdout: () => string;
  readonly stderr: () => string;
  /** Exit code, or undefined while running (128 + n after a signal, like a shell reports it). */
  readonly exitCode: () => number | undefined;
  /** Resolves with the exit code once the process has exited. */
  readonly exited: Promise<number>;
  /** Resolves when `pattern` appears on stdout; rejects on timeout or exit. */
  readonly waitForOutput: (pattern: RegExp, timeoutMs: number) => Promise<RegExpMatchArray>;
  /** SIGTERM to the whole group, SIGKILL after a grace period; resolves with the exit code. */
  readonly stop: (signal?: NodeJS.Signals) => Promise<number>;
  /** Output tails for error messages. */
  readonly describeOutput: () => string;
}

const SIGNAL_NUMBERS: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

/** Starts argv inside namespace `ns`. */
export function startInNamespace(ns: string, argv: readonly string[]): ManagedProcess {
  const fullArgv = ['ip', 'netns', 'exec', ns, ...argv];
  const child = spawn(fullArgv[0] as string, fullArgv.slice(1), {
    // Its own process group: the whole tree can be signalled, and a Ctrl-C meant for the test runner
    // reaches the runner only, which then stops this group itself.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const description = `${argv.join(' ')} (in ${ns})`;
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));

  let exitCode: number | undefined;
  const exited = new Promise<number>((resolve) => {
    child.once('error', (error) => {
      stderr += `\n[spawn error] ${error.message}`;
      exitCode = 127;
      resolve(exitCode);
    });
    child.once('exit', (code, signal) => {
      exitCode = code ?? 128 + (signal ? (SIGNAL_NUMBERS[signal] ?? 0) : 0);
      resolve(exitCode);
    });
  });
  const pid = child.pid;
  if (pid === undefined) {
    // spawn() reports a missing program asynchronously through 'error'; no pid means it never ran.
    throw new Error(`Could not start ${description}`);
  }

  const describeOutput = (): string =>
    `\n--- ${description}: stderr ---\n${stderr.slice(-OUTPUT_TAIL_CHARS)}` +
    `\n--- ${description}: stdout ---\n${stdout.slice(-OUTPUT_TAIL_CHARS)}`;

  const signalGroup = (signal: NodeJS.Signals): void => {
    try {
      process.kill(-pid, signal);
    } catch (error) {
      // ESRCH: the group is already gone, which is what stopping wants.
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') {
        throw error;
      }
    }
  };

  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<number> => {
    if (exitCode === undefined) {
      signalGroup(signal);
      const timer = setTimeout(() => signalGroup('SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    }
    // Children that outlived the leader (or ignored the signal) are still in the group.
    signalGroup('SIGKILL');
    return exitCode ?? (await exited);
  };

  const waitForOutput = (pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> =>
    new Promise((resolve, reject) => {
      const check = (): boolean => {
        const match = pattern.exec(stdout);
        if (match) {
          finish();
          resolve(match);
          return true;
        }
        return false;
      };
      const onExit = (code: number): void => {
        if (!check()) {
          finish();
          reject(new Error(`${description} exited (code ${code}) before printing ${pattern}${describeOutput()}`));
        }
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`${description} did not print ${pattern} within ${timeoutMs} ms${describeOutput()}`));
      }, timeoutMs);
      const onData = (): void => void check();
      const finish = (): void => {
        clearTimeout(timer);
        child.stdout.off('data', onData);
      };
      child.stdout.on('data', onData);
      if (!check()) {
        void exited.then(onExit);
      }
    });

  return {
    pid,
    description,
    stdout: () => stdout,
    stderr: () => stderr,
    exitCode: () => exitCode,
    exited,
    waitForOutput,
    stop,
    describeOutput,
  };
}
