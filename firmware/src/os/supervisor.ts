// Keeps one long-running child process alive: starts it (argv only, never a shell), watches it exit, restarts it
// after an exponential backoff, and stops it with SIGTERM, then SIGKILL. burrowd supervises dnsmasq and the tunnel
// engine with it.
//
//   idle ──start()──▶ running ──exits on its own──▶ waiting ──backoff elapsed──▶ running ──…
//     ▲                  │                              │
//     └──── exited ◀── stopping ◀──────stop()───────────┘  (a stop cancels a pending restart; no restart while stopping)
//
// Backoff: the first restart after a crash waits `initialDelayMs`; each further quick crash doubles it up to
// `maxDelayMs`; a child that ran `stableAfterMs` or longer counts as healthy and resets it. A child that cannot even
// be spawned (missing binary) counts as a crash that ran for 0 ms.
//
// Each child runs in its own process group (and session), so a terminal's Ctrl-C reaches burrowd only, and stopping
// the child also stops anything it forked. When burrowd itself dies the child lives on; with `pidFile` set, the next
// supervisor of the same argv finds it and ends it before starting its own, so two never fight over a port or a TUN.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { formatArgv } from './exec.js';

export interface BackoffPolicy {
  /** The wait before the first restart after a crash. */
  readonly initialDelayMs: number;
  /** Quick crashes in a row double the wait up to this. */
  readonly maxDelayMs: number;
  /** A child that ran at least this long was healthy: the next restart waits initialDelayMs again. */
  readonly stableAfterMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialDelayMs: 250, maxDelayMs: 5_000, stableAfterMs: 10_000 };
/** Between SIGTERM and SIGKILL when stopping. */
export const DEFAULT_STOP_GRACE_MS = 3_000;
/** Lines of output kept for ChildExit.outputTail. */
const OUTPUT_TAIL_LINES = 20;
/** A "line" longer than this is logged in pieces, so a child without newlines cannot grow our memory. */
const MAX_LINE_CHARS = 8_192;
const LEFTOVER_POLL_MS = 50;

export interface SupervisorOptions {
  /** Names the child in log lines, e.g. "dnsmasq". */
  readonly name: string;
  /** The program and its arguments; argv[0] an absolute path. */
  readonly argv: readonly string[];
  /**
   * Prepended to argv to run it elsewhere, e.g. `ip netns exec NS` in tests and labs. It must exec the program in
   * place (as `ip netns exec` does), so the pid the supervisor sees is the program's own.
   */
  readonly launcher?: readonly string[];
  /** The child's whole environment; default: this process's. */
  readonly env?: NodeJS.ProcessEnv;
  readonly backoff?: Partial<BackoffPolicy>;
  readonly stopGraceMs?: number;
  /**
   * Where the running child's pid is kept. On start, a process named there that still runs exactly this argv (left
   * behind by a supervisor that died) is ended first. Absent: no pid file, no leftover check.
   */
  readonly pidFile?: string;
  /** Receives the supervisor's own messages and every line the child writes to stdout or stderr. */
  readonly log: (line: string) => void;
  /** Called after every start (the first and each restart), e.g. to configure the new process. Errors are logged. */
  readonly onStart?: (child: StartedChild) => void | Promise<void>;
  /** Called after every exit, expected or not. Errors are logged. */
  readonly onExit?: (exit: ChildExit) => void | Promise<void>;
}

export interface StartedChild {
  readonly pid: number;
  /** 1 for the first start, 2 for the next, … (restarts and deliberate restarts alike). */
  readonly start: number;
}

export interface ChildExit {
  /** Undefined when the program could not be spawned at all. */
  readonly pid: number | undefined;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Why spawning failed (ENOENT, EACCES); absent when the child ran. */
  readonly spawnError?: string;
  readonly ranForMs: number;
  /** True when the supervisor ended it (stop() or restart()); false when it died or exited on its own. */
  readonly requested: boolean;
  /** How long until it is started again; null when it is not (stopping) or at once (a deliberate restart). */
  readonly restartInMs: number | null;
  /** Its last lines of output, for error reports. */
  readonly outputTail: readonly string[];
}

export type SupervisorState = 'idle' | 'running' | 'waiting' | 'stopping';

interface Child {
  readonly pid: number;
  readonly startedAt: number;
  readonly exited: Promise<ChildExit>;
  requested: boolean;
}

export class Supervisor {
  private readonly backoff: BackoffPolicy;
  private readonly stopGraceMs: number;
  /** Whether a child should be running: true from start() to stop(). */
  private wanted = false;
  private stopping = false;
  private child: Child | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private nextDelayMs: number;
  private starts = 0;
  private latestExit: ChildExit | undefined;
  private readonly outputTail: string[] = [];
  /** start(), stop() and restart() run one at a time, in call order. */
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly options: SupervisorOptions) {
    if (!options.argv[0]?.startsWith('/')) {
      throw new TypeError(`${options.name}: the program must be an absolute path, got ${formatArgv(options.argv)}`);
    }
    if ([...(options.launcher ?? []), ...options.argv].some((arg) => arg.includes('\0'))) {
      throw new TypeError(`${options.name}: an argument contains a NUL character`);
    }
    this.backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    this.stopGraceMs = options.stopGraceMs ?? DEFAULT_STOP_GRACE_MS;
    this.nextDelayMs = this.backoff.initialDelayMs;
  }

  get state(): SupervisorState {
    if (this.stopping) {
      return 'stopping';
    }
    if (this.child !== undefined) {
      return 'running';
    }
    return this.wanted ? 'waiting' : 'idle';
  }

  /** Whether a child process is alive right now. */
  get running(): boolean {
    return this.child !== undefined;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** How many times a child was started (spawn failures excluded). */
  get startCount(): number {
    return this.starts;
  }

  /** The most recent exit, for status reports. */
  get lastExit(): ChildExit | undefined {
    return this.latestExit;
  }

  /**
   * Begins supervising: ends a leftover from an earlier supervisor (see pidFile), then starts the child. Resolves
   * once it was spawned (or failed to spawn, and a retry is scheduled). Does nothing when already supervising.
   */
  start(): Promise<void> {
    return this.enqueue(async () => {
      if (this.wanted) {
        return;
      }
      this.wanted = true;
      this.nextDelayMs = this.backoff.initialDelayMs;
      await this.endLeftover();
      if (this.wanted) {
        await this.spawnChild();
      }
    });
  }

  /** Ends the child (SIGTERM, SIGKILL after the grace) and starts a new one at once: after a config change. */
  restart(): Promise<void> {
    return this.enqueue(async () => {
      if (!this.wanted) {
        this.wanted = true;
        this.nextDelayMs = this.backoff.initialDelayMs;
        await this.endLeftover();
      }
      this.cancelRestart();
      if (this.child !== undefined) {
        await this.terminate(this.child);
      }
      if (this.wanted) {
        await this.spawnChild();
      }
    });
  }

  /** Stops supervising: cancels a pending restart, ends the child, removes the pid file. Resolves once it is gone. */
  stop(): Promise<void> {
    // Not wanted from this moment on, even before the queue reaches this stop: a crash meanwhile is not restarted.
    this.wanted = false;
    this.cancelRestart();
    return this.enqueue(async () => {
      this.wanted = false;
      this.cancelRestart();
      if (this.child !== undefined) {
        this.stopping = true;
        try {
          await this.terminate(this.child);
        } finally {
          this.stopping = false;
        }
      }
      if (this.options.pidFile !== undefined) {
        await rm(this.options.pidFile, { force: true });
      }
    });
  }

  private enqueue(operation: () => Promise<void>): Promise<void> {
    const result = this.queue.then(operation);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private get fullArgv(): string[] {
    return [...(this.options.launcher ?? []), ...this.options.argv];
  }

  /** Spawns a child and resolves once it runs (or failed to start); its exit is handled whenever it comes. */
  private spawnChild(): Promise<void> {
    const [command, ...args] = this.fullArgv as [string, ...string[]];
    const startedAt = performance.now();
    this.outputTail.length = 0;
    const child = spawn(command, args, {
      shell: false,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: this.options.env ?? process.env,
    });
    return new Promise((resolve) => {
      child.on('error', (error) => {
        if (child.pid === undefined) {
          // Never ran; 'exit' will not come.
          this.log(`cannot start ${formatArgv(this.fullArgv)}: ${error.message}`);
          this.handleExit(undefined, { code: null, signal: null, spawnError: error.message, startedAt });
          resolve();
        } else {
          this.log(`signalling pid ${child.pid} failed: ${error.message}`);
        }
      });
      child.once('spawn', () => {
        const pid = child.pid!;
        let exitedResolve!: (exit: ChildExit) => void;
        const running: Child = {
          pid,
          startedAt,
          exited: new Promise((resolveExit) => (exitedResolve = resolveExit)),
          requested: false,
        };
        this.child = running;
        this.starts += 1;
        this.forwardOutput(child);
        child.once('exit', (code, signal) => {
          exitedResolve(this.handleExit(running, { code, signal, startedAt }));
        });
        const started: StartedChild = { pid, start: this.starts };
        this.log(`started (pid ${pid}, start ${started.start})`);
        void this.writePidFile(pid).then(() => this.callHook('onStart', () => this.options.onStart?.(started)));
        resolve();
      });
    });
  }

  private handleExit(
    child: Child | undefined,
    how: { code: number | null; signal: NodeJS.Signals | null; spawnError?: string; startedAt: number },
  ): ChildExit {
    if (child !== undefined) {
      this.child = undefined;
      // Whatever it forked (a dnsmasq TCP worker) must not outlive it and hold its sockets against the next start.
      signalGroup(child.pid, 'SIGKILL');
    }
    const ranForMs = Math.round(performance.now() - how.startedAt);
    const requested = child?.requested ?? false;
    let restartInMs: number | null = null;
    if (!requested && this.wanted) {
      restartInMs = ranForMs >= this.backoff.stableAfterMs ? this.backoff.initialDelayMs : this.nextDelayMs;
      this.nextDelayMs = Math.min(restartInMs * 2, this.backoff.maxDelayMs);
      this.scheduleRestart(restartInMs);
    }
    const exit: ChildExit = {
      pid: child?.pid,
      code: how.code,
      signal: how.signal,
      ...(how.spawnError === undefined ? {} : { spawnError: how.spawnError }),
      ranForMs,
      requested,
      restartInMs,
      outputTail: [...this.outputTail],
    };
    this.latestExit = exit;
    if (child !== undefined) {
      const ending = how.signal === null ? `exited with code ${how.code}` : `was killed by ${how.signal}`;
      const next = restartInMs === null ? '' : `; restarting in ${restartInMs} ms`;
      this.log(`pid ${child.pid} ${ending} after ${ranForMs} ms${next}`);
    }
    this.callHook('onExit', () => this.options.onExit?.(exit));
    return exit;
  }

  private scheduleRestart(delayMs: number): void {
    this.cancelRestart();
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      // Through the queue, so it cannot interleave with a stop() or restart() that is under way.
      void this.enqueue(async () => {
        if (this.wanted && this.child === undefined) {
          await this.spawnChild();
        }
      });
    }, delayMs);
  }

  private cancelRestart(): void {
    clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
  }

  /** SIGTERM to the child's group, SIGKILL after the grace; resolves once it has exited. */
  private async terminate(child: Child): Promise<ChildExit> {
    child.requested = true;
    signalGroup(child.pid, 'SIGTERM');
    const kill = setTimeout(() => {
      this.log(`pid ${child.pid} still runs ${this.stopGraceMs} ms after SIGTERM; sending SIGKILL`);
      signalGroup(child.pid, 'SIGKILL');
    }, this.stopGraceMs);
    try {
      return await child.exited;
    } finally {
      clearTimeout(kill);
    }
  }

  /** Ends the process named in the pid file if it still runs our exact argv: a leftover of a supervisor that died. */
  private async endLeftover(): Promise<void> {
    const pidFile = this.options.pidFile;
    if (pidFile === undefined) {
      return;
    }
    const pid = await readPid(pidFile);
    if (pid === null || !(await runsArgv(pid, this.options.argv))) {
      return;
    }
    this.log(`ending pid ${pid}, left running by an earlier supervisor`);
    signalGroup(pid, 'SIGTERM');
    if (!(await waitUntilGone(pid, this.options.argv, this.stopGraceMs))) {
      signalGroup(pid, 'SIGKILL');
      if (!(await waitUntilGone(pid, this.options.argv, this.stopGraceMs))) {
        throw new Error(`${this.options.name}: pid ${pid}, left by an earlier supervisor, survives SIGKILL`);
      }
    }
  }

  private async writePidFile(pid: number): Promise<void> {
    if (this.options.pidFile === undefined) {
      return;
    }
    try {
      await writeFile(this.options.pidFile, `${pid}\n`, { mode: 0o644 });
    } catch (error) {
      this.log(`cannot write the pid file ${this.options.pidFile}: ${(error as Error).message}`);
    }
  }

  private forwardOutput(child: ChildProcess): void {
    for (const stream of [child.stdout!, child.stderr!]) {
      let partial = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        const lines = (partial + chunk).split('\n');
        partial = lines.pop()!;
        while (partial.length > MAX_LINE_CHARS) {
          lines.push(partial.slice(0, MAX_LINE_CHARS));
          partial = partial.slice(MAX_LINE_CHARS);
        }
        lines.forEach((line) => this.output(line));
      });
      stream.on('end', () => {
        if (partial !== '') {
          this.output(partial);
        }
      });
    }
  }

  private output(line: string): void {
    this.outputTail.push(line);
    if (this.outputTail.length > OUTPUT_TAIL_LINES) {
      this.outputTail.shift();
    }
    this.options.log(`[${this.options.name}] ${line}`);
  }

  private log(message: string): void {
    this.options.log(`${this.options.name} supervisor: ${message}`);
  }

  private callHook(name: 'onStart' | 'onExit', hook: () => void | Promise<void>): void {
    Promise.resolve()
      .then(hook)
      .catch((error: unknown) => this.log(`${name} failed: ${error instanceof Error ? error.message : String(error)}`));
  }
}

/** Signals a process group; a group that is already gone is what we wanted anyway. */
function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') {
      throw error;
    }
  }
}

async function readPid(pidFile: string): Promise<number | null> {
  try {
    const text = (await readFile(pidFile, 'utf8')).trim();
    return /^[1-9]\d{0,9}$/.test(text) ? Number(text) : null;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return null;
    }
    throw error;
  }
}

/** Whether `pid` runs exactly `argv`: a reused pid, or a zombie (its cmdline is empty), does not. */
async function runsArgv(pid: number, argv: readonly string[]): Promise<boolean> {
  let cmdline: string;
  try {
    cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8');
  } catch (error) {
    // ESRCH: it exited while we read.
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ESRCH') {
      return false;
    }
    throw error;
  }
  return cmdline === `${argv.join('\0')}\0`;
}

async function waitUntilGone(pid: number, argv: readonly string[], timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (await runsArgv(pid, argv)) {
    if (performance.now() > deadline) {
      return false;
    }
    await sleep(LEFTOVER_POLL_MS);
  }
  return true;
}
