// Keeps one long-running child process alive: starts it (argv only, never a shell), watches it exit, restarts it
// after an exponential backoff, and stops it with SIGTERM, then SIGKILL. burrowd supervises dnsmasq and the tunnel
// engine with it.
//
//   idle ──start()──▶ running ──exits on its own──▶ waiting ──backoff elapsed──▶ running ──…
//     ▲                  │                              │
//     └──── exited ◀── stopping ◀──────stop()───────────┘  (a stop cancels a pending restart; no restart while stopping)
//
// The backoff between restarts is restart-backoff.ts; the child's output lines are output-lines.ts.
//
// Each child runs in its own process group (and session), so a terminal's Ctrl-C reaches burrowd only, and stopping
// the child also stops anything it forked. When burrowd itself dies the child lives on; with `pidFile` set, the next
// supervisor of the same argv finds it and ends it before starting its own (leftover-process.ts).
import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { formatArgv } from './exec.js';
import { endLeftover, signalGroup, writePidFile } from './leftover-process.js';
import { OutputLines } from './output-lines.js';
import { type BackoffPolicy, RestartBackoff } from './restart-backoff.js';

export { type BackoffPolicy, DEFAULT_BACKOFF } from './restart-backoff.js';

/** Between SIGTERM and SIGKILL when stopping. */
export const DEFAULT_STOP_GRACE_MS = 3_000;
/** Lines of output kept for ChildExit.outputTail. */
const OUTPUT_TAIL_LINES = 20;

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
  private readonly backoff: RestartBackoff;
  private readonly stopGraceMs: number;
  /** Whether a child should be running: true from start() to stop(). */
  private wanted = false;
  private stopping = false;
  private child: Child | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private starts = 0;
  private latestExit: ChildExit | undefined;
  private readonly output: OutputLines;
  /** start(), stop() and restart() run one at a time, in call order. */
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly options: SupervisorOptions) {
    if (!options.argv[0]?.startsWith('/')) {
      throw new TypeError(`${options.name}: the program must be an absolute path, got ${formatArgv(options.argv)}`);
    }
    if ([...(options.launcher ?? []), ...options.argv].some((arg) => arg.includes('\0'))) {
      throw new TypeError(`${options.name}: an argument contains a NUL character`);
    }
    this.backoff = new RestartBackoff(options.backoff);
    this.stopGraceMs = options.stopGraceMs ?? DEFAULT_STOP_GRACE_MS;
    this.output = new OutputLines(OUTPUT_TAIL_LINES, (line) => options.log(`[${options.name}] ${line}`));
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
      this.backoff.reset();
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
        this.backoff.reset();
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
    this.output.clear();
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
        this.output.follow(child.stdout);
        this.output.follow(child.stderr);
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
      restartInMs = this.backoff.delayAfterCrash(ranForMs);
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
      outputTail: this.output.tailSnapshot(),
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
    if (this.options.pidFile !== undefined) {
      await endLeftover(this.options.name, this.options.pidFile, this.options.argv, this.stopGraceMs, (message) =>
        this.log(message),
      );
    }
  }

  private async writePidFile(pid: number): Promise<void> {
    if (this.options.pidFile !== undefined) {
      await writePidFile(this.options.pidFile, pid, (message) => this.log(message));
    }
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
