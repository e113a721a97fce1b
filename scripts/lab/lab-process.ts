// A long-running program of the lab (a web server, dnsmasq, wireguard-go, later burrowd) started by argv inside a
// namespace. It writes to a log file, not to a pipe, so it keeps running when the process that started it exits
// (the lab CLI's `up`) or dies (a crash the next run sweeps up); and it has its own process group, so a Ctrl-C
// meant for the lab's owner reaches the owner only, which then stops the lab in order.
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { constants } from 'node:os';
import { join } from 'node:path';
import { TOOLS } from './tools.js';
import { sleep } from './namespaces.js';

const STOP_GRACE_MS = 3_000;
const LOG_TAIL_CHARS = 3_000;
const POLL_MS = 50;

export interface LabProcessOptions {
  /** The log file is `<logDir>/<name>.log`. */
  readonly logDir: string;
  /** The child's whole environment; default: this process's. */
  readonly env?: NodeJS.ProcessEnv;
}

export class LabProcess {
  private code: number | undefined;
  /** Resolves with the exit code (128 + signal number after a signal, as a shell reports it). */
  readonly exited: Promise<number>;

  private constructor(
    /** A short name for messages and the log file: "web", "vpn-server". */
    readonly name: string,
    readonly ns: string,
    readonly pid: number,
    readonly logFile: string,
    private readonly child: ReturnType<typeof spawn>,
  ) {
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.code = code ?? 128 + (signal ? signalNumber(signal) : 0);
        resolve(this.code);
      });
    });
  }

  static start(ns: string, name: string, argv: readonly string[], options: LabProcessOptions): LabProcess {
    if (!/^[a-z0-9][a-z0-9-]{0,39}$/.test(name)) {
      throw new Error(`A lab process name is lowercase letters, digits and dashes (it names a file), got ${name}`);
    }
    const logFile = join(options.logDir, `${name}.log`);
    const log = openSync(logFile, 'a', 0o640);
    try {
      const child = spawn(TOOLS.ip, ['netns', 'exec', ns, ...argv], {
        detached: true,
        stdio: ['ignore', log, log],
        env: options.env ?? process.env,
      });
      if (child.pid === undefined) {
        // spawn() reports why only through 'error'; without a pid nothing runs that needs stopping.
        throw new Error(`Could not start ${name} (${argv.join(' ')}) in ${ns}`);
      }
      // With a pid, a later 'error' is a failed kill(); the exit (or the lack of one) tells the story.
      child.on('error', () => undefined);
      return new LabProcess(name, ns, child.pid, logFile, child);
    } finally {
      closeSync(log);
    }
  }

  /** Undefined while it runs. */
  exitCode(): number | undefined {
    return this.code;
  }

  /** Lets this process exit while the program goes on running (the lab CLI's `up`). */
  detach(): void {
    this.child.unref();
  }

  async readLog(): Promise<string> {
    try {
      return await readFile(this.logFile, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        return '';
      }
      throw error;
    }
  }

  /** The end of the log, for error messages. */
  async describe(): Promise<string> {
    const log = await this.readLog();
    return `--- ${this.name} in ${this.ns} (${this.logFile}) ---\n${log.slice(-LOG_TAIL_CHARS)}`;
  }

  /** Resolves when `pattern` appears in the log; rejects when the program exits first or time runs out. */
  async waitForLog(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
    return this.waitFor(`print ${pattern}`, timeoutMs, async () => pattern.exec(await this.readLog()) ?? undefined);
  }

  /** Polls `probe` until it returns a value; rejects when the program exits first or time runs out. */
  async waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value !== undefined) {
        return value;
      }
      if (this.code !== undefined) {
        throw new Error(`${this.name} exited (code ${this.code}) before it did ${what}\n${await this.describe()}`);
      }
      if (Date.now() > deadline) {
        throw new Error(`${this.name} did not ${what} within ${timeoutMs} ms\n${await this.describe()}`);
      }
      await sleep(POLL_MS);
    }
  }

  /** SIGTERM to the whole group, SIGKILL after a grace period; resolves with the exit code. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number> {
    if (this.code === undefined) {
      this.signalGroup(signal);
      const timer = setTimeout(() => this.signalGroup('SIGKILL'), STOP_GRACE_MS);
      await this.exited;
      clearTimeout(timer);
    }
    // Children that outlived the leader (or ignored the signal) are still in the group.
    this.signalGroup('SIGKILL');
    return this.exited;
  }

  private signalGroup(signal: NodeJS.Signals): void {
    try {
      process.kill(-this.pid, signal);
    } catch (error) {
      // ESRCH: the group is gone, which is what stopping wants.
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') {
        throw error;
      }
    }
  }
}

function signalNumber(signal: NodeJS.Signals): number {
  return constants.signals[signal] ?? 0;
}
