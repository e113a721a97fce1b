// The screen's side of the core worker (worker.ts): starts it as the API's user and turns ConsoleBackend calls into
// messages. A worker that died is started again at the next call, so the console outlives a crash of its core.
import { type ChildProcess, fork } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { ConsoleActionError, type ConsoleBackend } from '../backend.js';
import { type CoreAnswer, type CoreReady } from './rpc.js';

const WORKER = fileURLToPath(new URL('./worker.js', import.meta.url));
/**
 * How long a call waits for a worker that is still starting before it is answered "still starting". The worker
 * itself is never stopped for being slow: loading the core and opening the database takes seconds on a Pi and
 * minutes on a busy emulated one, and a worker killed and started again would never get there.
 */
const READY_WAIT_MS = 60_000;

export interface CoreWorkerOptions {
  /** The worker's script (tests give a stand-in). */
  script?: string;
  readyWaitMs?: number;
}

export interface RunAs {
  uid: number;
  gid: number;
}

/**
 * Whom the core runs as: the owner of the data dir when this process is root and the directory belongs to another
 * user (the device's API user), so nothing it writes there ends up owned by root; otherwise this process's own user.
 */
export async function coreUser(dataDir: string): Promise<RunAs | undefined> {
  if (process.getuid?.() !== 0) {
    return undefined;
  }
  const owner = await stat(dataDir).catch(() => null);
  return owner === null || owner.uid === 0 ? undefined : { uid: owner.uid, gid: owner.gid };
}

export class CoreWorker {
  private child: ChildProcess | null = null;
  private ready: Promise<undefined> | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();

  private readonly script: string;
  private readonly readyWaitMs: number;

  constructor(
    private readonly env: NodeJS.ProcessEnv,
    private readonly runAs: RunAs | undefined,
    options: CoreWorkerOptions = {},
  ) {
    this.script = options.script ?? WORKER;
    this.readyWaitMs = options.readyWaitMs ?? READY_WAIT_MS;
  }

  async call(method: string, args: unknown[]): Promise<unknown> {
    const child = await this.started();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      child.send({ id, method, args });
    });
  }

  /** Lets the worker finish what it does and exit (it exits by itself when this process goes, too). */
  stop(): void {
    this.child?.disconnect();
  }

  private async started(): Promise<ChildProcess> {
    if (this.child === null || this.ready === null) {
      this.spawn();
    }
    const child = this.child;
    let timer: NodeJS.Timeout | undefined;
    const stillStarting = new Promise<'starting'>((resolve) => {
      timer = setTimeout(() => resolve('starting'), this.readyWaitMs);
    });
    let outcome: 'starting' | undefined;
    try {
      outcome = await Promise.race([this.ready ?? undefined, stillStarting]);
    } catch (error) {
      // Opening failed: the next call starts a new worker (the database may have been repaired, a restore applied).
      if (this.child === child) {
        child?.kill('SIGKILL');
        this.child = null;
      }
      throw error;
    } finally {
      clearTimeout(timer);
    }
    if (outcome === 'starting') {
      // This call gives up; the worker keeps starting, and the next call waits for the same start.
      throw new ConsoleActionError('starting', 'The console core is still starting; try again in a moment.');
    }
    if (this.child === null) {
      throw new ConsoleActionError('unavailable', 'The console core stopped; try again.');
    }
    return this.child;
  }

  private spawn(): void {
    const child = fork(this.script, [], {
      env: this.env,
      ...(this.runAs ?? {}),
      // Its own process group: the terminal's Ctrl-C and hang-up are the screen's, never the core's.
      detached: true,
      stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
    });
    this.child = child;
    this.ready = new Promise<undefined>((resolve, reject) => {
      child.once('message', (message: CoreReady) => {
        if (message.ready) {
          resolve(undefined);
        } else {
          reject(new ConsoleActionError('unavailable', `The configuration could not be opened: ${message.message}`));
        }
      });
      child.once('exit', () => {
        reject(new ConsoleActionError('unavailable', 'The console core could not start.'));
      });
    });
    // A rejection nobody awaits yet must not end the console.
    this.ready.catch(() => undefined);
    child.on('message', (message: CoreAnswer | CoreReady) => {
      if (!('id' in message)) {
        return;
      }
      const waiting = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (message.ok) {
        waiting?.resolve(message.value);
      } else {
        waiting?.reject(new ConsoleActionError(message.code, message.message));
      }
    });
    child.on('exit', () => {
      if (this.child === child) {
        this.child = null;
        this.ready = null;
      }
      for (const [id, waiting] of this.pending) {
        this.pending.delete(id);
        waiting.reject(new ConsoleActionError('unavailable', 'The console core stopped; try again.'));
      }
    });
  }
}

/** A ConsoleBackend whose every method is a call into the worker. */
export function workerBackend(worker: CoreWorker): ConsoleBackend {
  return new Proxy({} as ConsoleBackend, {
    // Not a promise: `then` stays undefined, so awaiting the backend itself does not call the worker.
    get: (_target, method) =>
      method === 'then' ? undefined : (...args: unknown[]) => worker.call(String(method), args),
  });
}
