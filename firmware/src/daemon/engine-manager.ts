// burrowd's hold on the tunnel engine: a supervised `burrow-wg -f IFNAME` (any wireguard-go compatible program
// works), configured over its UAPI socket. When the engine dies the kernel removes its interface, the kill-switch
// table keeps blocking LAN traffic by name, the supervisor starts a new engine, and `onRestarted` lets the
// reconciler apply the whole state again: handshake, routes, traffic, with no user action.
import { setTimeout as sleep } from 'node:timers/promises';
import path from 'node:path';
import { uapiAnswers, uapiSet } from '../control/uapi-client.js';
import { UapiServer } from '../control/uapi-server.js';
import { type DeviceChange } from '../engine/device-change.js';
import { Supervisor } from '../os/supervisor.js';

export interface EngineManagerOptions {
  /** The engine program and its fixed arguments before `-f IFNAME`, e.g. [node, firmware/bin/burrow-wg]. */
  readonly command: readonly string[];
  readonly runDir: string;
  readonly log: (line: string) => void;
  /** Called after the engine came back from a crash, once its socket answers. */
  readonly onRestarted: () => void;
}

const SOCKET_WAIT_MS = 15_000;

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
        this.start(interfaceName);
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

  private start(interfaceName: string): void {
    const { command, runDir, log, onRestarted } = this.options;
    this.interfaceName = interfaceName;
    const supervisor = new Supervisor({
      name: `engine ${interfaceName}`,
      argv: [...command, '-f', interfaceName],
      pidFile: path.join(runDir, `engine-${interfaceName}.pid`),
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
    void supervisor.start();
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
