// burrowd's hold on the tunnel engine: a supervised `burrow-wg -f IFNAME` (any wireguard-go compatible program
// works), configured over its UAPI socket. When the engine dies the kernel removes its interface, the kill-switch
// table keeps blocking LAN traffic by name, the supervisor starts a new engine, and `onRestarted` lets the
// reconciler apply the whole state again: handshake, routes, traffic, with no user action.
//
// An engine outlives a burrowd that was killed (no systemd to end the whole cgroup: the lab, a stray engine). The
// next burrowd ends it before its own engine starts and before anything is configured: a leftover engine would
// answer the UAPI socket in place of the new one, take the configuration, then vanish with its interface and the
// routes the network step had put on it.
import { readdir, rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import path from 'node:path';
import { uapiAnswers, uapiSet } from '../control/uapi-client.js';
import { UapiServer } from '../control/uapi-server.js';
import { type DeviceChange } from '../engine/device-change.js';
import { endLeftover } from '../os/leftover-process.js';
import { DEFAULT_STOP_GRACE_MS, Supervisor } from '../os/supervisor.js';

export interface EngineManagerOptions {
  /** The engine program and its fixed arguments before `-f IFNAME`, e.g. [node, firmware/bin/burrow-wg]. */
  readonly command: readonly string[];
  readonly runDir: string;
  readonly log: (line: string) => void;
  /** Called after the engine came back from a crash, once its socket answers. */
  readonly onRestarted: () => void;
}

const SOCKET_WAIT_MS = 15_000;
const PID_FILE = /^engine-(.+)\.pid$/;

function pidFileFor(runDir: string, interfaceName: string): string {
  return path.join(runDir, `engine-${interfaceName}.pid`);
}

function engineArgv(command: readonly string[], interfaceName: string): string[] {
  return [...command, '-f', interfaceName];
}

/**
 * Ends every engine an earlier burrowd left running (named by a pid file in `runDir`, running exactly `command`
 * for its interface), whether or not the state to restore still has that interface; resolves once each is gone
 * with its TUN. One that survives SIGKILL is logged: the engine manager's start for its name then fails closed.
 */
export async function endLeftoverEngines(
  runDir: string,
  command: readonly string[],
  log: { info(message: string): void; warn(message: string): void },
): Promise<void> {
  const names = (await readdir(runDir)).flatMap((file) => PID_FILE.exec(file)?.[1] ?? []);
  await Promise.all(
    names.map(async (interfaceName) => {
      const pidFile = pidFileFor(runDir, interfaceName);
      const name = `engine ${interfaceName}`;
      try {
        await endLeftover(name, pidFile, engineArgv(command, interfaceName), DEFAULT_STOP_GRACE_MS, (message) =>
          log.info(`${name}: ${message}`),
        );
        await rm(pidFile, { force: true });
      } catch (error) {
        log.warn((error as Error).message);
      }
    }),
  );
}

export class EngineManager {
  private supervisor: Supervisor | null = null;
  private interfaceName: string | null = null;

  constructor(private readonly options: EngineManagerOptions) {}

  get socketPath(): string | null {
    return this.interfaceName === null ? null : UapiServer.socketPathFor(this.interfaceName);
  }

  get status(): { interface: string | null; running: boolean; pid: number | null; starts: number } {
    return {
      interface: this.interfaceName,
      running: this.supervisor?.running ?? false,
      pid: this.supervisor?.pid ?? null,
      starts: this.supervisor?.startCount ?? 0,
    };
  }

  /** Runs an engine for `interfaceName` (replacing one for another name), or none when null; then configures it. */
  async apply(interfaceName: string | null, change: DeviceChange | null): Promise<void> {
    if (interfaceName !== this.interfaceName) {
      await this.stop();
      if (interfaceName !== null) {
        await this.start(interfaceName);
      }
    }
    if (interfaceName !== null && change !== null) {
      await this.waitForSocket();
      await uapiSet(this.socketPath!, change);
    }
  }

  async stop(): Promise<void> {
    await this.supervisor?.stop();
    this.supervisor = null;
    this.interfaceName = null;
  }

  /**
   * Resolves once the engine was spawned, after a leftover of the same interface (see the top) is gone: from then
   * on the UAPI socket can only answer for this engine.
   */
  private async start(interfaceName: string): Promise<void> {
    const { command, runDir, log, onRestarted } = this.options;
    this.interfaceName = interfaceName;
    const supervisor = new Supervisor({
      name: `engine ${interfaceName}`,
      argv: engineArgv(command, interfaceName),
      pidFile: pidFileFor(runDir, interfaceName),
      log,
      onStart: async ({ start }) => {
        if (start > 1 && this.supervisor === supervisor) {
          await this.waitForSocket();
          log(`engine ${interfaceName} restarted: applying the desired state again`);
          onRestarted();
        }
      },
    });
    this.supervisor = supervisor;
    try {
      await supervisor.start();
    } catch (error) {
      // A leftover that survives SIGKILL: no engine, and the next apply tries again.
      this.supervisor = null;
      this.interfaceName = null;
      throw error;
    }
  }

  private async waitForSocket(): Promise<void> {
    const deadline = Date.now() + SOCKET_WAIT_MS;
    while (Date.now() < deadline) {
      const socketPath = this.socketPath;
      if (socketPath !== null && (await uapiAnswers(socketPath))) {
        return;
      }
      await sleep(50);
    }
    throw new Error(`the tunnel engine did not open its UAPI socket within ${SOCKET_WAIT_MS / 1000} s`);
  }
}
