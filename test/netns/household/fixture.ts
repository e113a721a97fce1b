// The household gateway under test: a fresh household lab with its own unique names, burrowd running in the
// router namespace (as `make run` starts it, scripts/run.ts), the lab's desired state applied, the tunnel up and
// both LAN devices holding a DHCP lease. Each test builds its own, so tests in different files run in parallel;
// t.teardown removes everything (namespaces, burrowd, the engine and dnsmasq even when orphaned, files), whether
// the test passed, failed or threw.
import test, { type ExecutionContext } from 'ava';
import { access, constants, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { controlRequest, type ControlResponse } from '@burrow/firmware/control/control-client';
import { type ControlMethod } from '@burrow/firmware/control/control-server';
import { type DesiredStateInput } from '@burrow/firmware/control/desired-state';
import { run } from '@burrow/firmware/os/exec';
import { Household } from '@burrow/scripts/lab/household';
import { labBoard, labDesiredState, type LabStateOptions } from '@burrow/scripts/lab/lab-desired-state';
import { type LabProcess } from '@burrow/scripts/lab/lab-process';
import { type LabRecord } from '@burrow/scripts/lab/lab-record';
import { pidsIn } from '@burrow/scripts/lab/namespaces';
import { labUnavailableReason, TOOLS } from '@burrow/scripts/lab/tools';
import { Capture, TCPDUMP } from './capture.js';
import { eventually, sleep } from './poll.js';
import { routerSnapshot, type RouterSnapshot } from './router-snapshot.js';

const BURROWD_PATH = fileURLToPath(import.meta.resolve('@burrow/firmware/daemon/burrowd'));
const NATIVE_TUN_ADDON = fileURLToPath(
  new URL('../../native/build/Release/burrow_tun.node', import.meta.resolve('@burrow/firmware/daemon/burrowd')),
);
const PING = '/usr/bin/ping';
/** The router's address on the LAN (fd08::1/64 in the address plan). */
const LAN_ROUTER_IPV6 = 'fd08::1';
const BURROWD_READY_TIMEOUT_MS = 30_000;
/** A first handshake, or one after the engine came back (the supervisor's backoff is at most 5 s). */
export const TUNNEL_TIMEOUT_MS = 30_000;
const POLL_MS = 200;

/** Why this machine cannot run the household tests (not root, a program missing), or undefined. */
export async function householdSkipReason(): Promise<string | undefined> {
  const labProblem = await labUnavailableReason();
  if (labProblem !== undefined) {
    return labProblem;
  }
  for (const [path, what] of [
    [TCPDUMP, 'tcpdump (Debian package tcpdump)'],
    [PING, 'ping (Debian package iputils-ping)'],
  ] as const) {
    try {
      await access(path, constants.X_OK);
    } catch {
      return `missing program: ${what}`;
    }
  }
  for (const [path, what] of [
    ['/dev/net/tun', '/dev/net/tun (the engine opens a TUN device)'],
    [NATIVE_TUN_ADDON, "the engine's native addon (npm run build:native -w @burrow/firmware)"],
  ] as const) {
    try {
      await access(path);
    } catch {
      return `missing: ${what}`;
    }
  }
  return undefined;
}

const skipReason = await householdSkipReason();
if (skipReason !== undefined) {
  console.warn(`household gateway tests skipped: ${skipReason}`);
}

/**
 * Declares a serial test on a fresh gateway (serial within its file: a lab and a 10 s leak window are heavy on a
 * small machine, and ava runs the files in parallel). When the body throws, burrowd's log is attached.
 */
export function gatewayTest(
  title: string,
  options: LabStateOptions,
  body: (t: ExecutionContext, gateway: Gateway) => Promise<void>,
): void {
  const declare = skipReason !== undefined ? test.serial.skip : test.serial;
  declare(title, async (t) => {
    const gateway = await Gateway.start(t, options);
    try {
      await body(t, gateway);
    } catch (error) {
      t.log(await gateway.burrowd.describe());
      throw error;
    }
  });
}

/** Who removes the lab and reads its log: a test's ExecutionContext, or a file's hooks when its tests share a box. */
export interface LabOwner {
  teardown(cleanup: () => Promise<void>): void;
  log(...values: unknown[]): void;
}

export class Gateway {
  /** The burrowd running now (a test that kills it starts another). */
  burrowd: LabProcess;
  /** The desired state last applied successfully through this fixture. */
  state: DesiredStateInput;
  private burrowdStarts = 0;

  private constructor(
    readonly lab: Household,
    /** burrowd's data dir, inside the lab's run directory: applied state, dnsmasq files, engine pid file. */
    readonly dataDir: string,
    readonly socket: string,
    options: LabStateOptions,
    /** burrowd's --network file, when it was started with one. */
    readonly boardFile?: string,
  ) {
    this.state = labDesiredState(lab, options);
    this.burrowd = this.startBurrowd();
  }

  /** Builds the lab, starts burrowd, applies the lab's state; both devices get a lease, the tunnel carries them. */
  static async start(t: LabOwner, options: LabStateOptions = {}): Promise<Gateway> {
    const started = Date.now();
    const lab = await Household.start({ naming: 'unique' });
    t.teardown(() => lab.stop());
    const gateway = new Gateway(lab, join(lab.runDir, 'burrowd'), join(lab.runDir, 'burrowd.sock'), options);
    try {
      await gateway.waitForBurrowd();
      await gateway.apply(gateway.state);
      await Promise.all(gateway.lanDevices.map((ns) => lab.dhcp(ns)));
      await gateway.waitForTunnel(gateway.lanDevices[0]);
    } catch (error) {
      t.log(await gateway.burrowd.describe());
      throw error;
    }
    t.log(`gateway ${lab.names.runId} ready in ${Date.now() - started} ms`);
    return gateway;
  }

  /**
   * A new box: burrowd with the LAN and the kill switch but no tunnel (what `make run` starts with under
   * a version-1 state; `make run` now gives burrowd a board file instead, see startWithBoard). Waits for nothing on the LAN: the devices' DHCP clients are on their own.
   * `register` gets the lab's stop (t.teardown, or a hook's cleanup when tests share the box).
   */
  static async startFirstBoot(register: (stop: () => Promise<void>) => void): Promise<Gateway> {
    const lab = await Household.start({ naming: 'unique' });
    register(() => lab.stop());
    const gateway = new Gateway(lab, join(lab.runDir, 'burrowd'), join(lab.runDir, 'burrowd.sock'), {});
    try {
      await gateway.waitForBurrowd();
      await gateway.apply({ ...gateway.state, tunnel: null });
    } catch (error) {
      throw new Error(`The first-boot gateway did not come up\n${await gateway.burrowd.describe()}`, { cause: error });
    }
    return gateway;
  }

  /**
   * A box as it ships: burrowd started with the lab's board file (--network) and given nothing else, so it blocks
   * all forwarding until someone (the API, in these tests) sends it a desired state. `register` gets the lab's stop.
   */
  static async startWithBoard(register: (stop: () => Promise<void>) => void): Promise<Gateway> {
    const lab = await Household.start({ naming: 'unique' });
    register(() => lab.stop());
    const boardFile = join(lab.runDir, 'board.json');
    await writeFile(boardFile, `${JSON.stringify(labBoard(lab), null, 2)}\n`, { mode: 0o600 });
    const gateway = new Gateway(lab, join(lab.runDir, 'burrowd'), join(lab.runDir, 'burrowd.sock'), {}, boardFile);
    try {
      await gateway.waitForBurrowd();
    } catch (error) {
      throw new Error(`burrowd with a board file did not come up\n${await gateway.burrowd.describe()}`, {
        cause: error,
      });
    }
    return gateway;
  }

  get record(): LabRecord {
    return this.lab.record;
  }

  get router(): string {
    return this.record.namespaces.router;
  }

  get lanDevices(): [string, string] {
    const [first, second] = this.record.namespaces.lan;
    return [first!, second!];
  }

  get tunnelInterface(): string {
    return this.record.router.tunnelInterface;
  }

  /** Starts burrowd in the router namespace with the same data dir and socket (after a kill: it restores). */
  startBurrowd(): LabProcess {
    this.burrowdStarts += 1;
    const name = this.burrowdStarts === 1 ? 'burrowd' : `burrowd-${this.burrowdStarts}`;
    const argv = [process.execPath, BURROWD_PATH, '--data-dir', this.dataDir, '--socket', this.socket];
    if (this.boardFile !== undefined) {
      argv.push('--network', this.boardFile);
    }
    this.burrowd = this.lab.startProcess(this.router, name, argv, { ...process.env, LOG_LEVEL: 'info' });
    return this.burrowd;
  }

  /** Resolves once burrowd answers ping on its control socket. */
  async waitForBurrowd(): Promise<void> {
    await this.burrowd.waitFor('answer ping on its control socket', BURROWD_READY_TIMEOUT_MS, async () => {
      try {
        return (await controlRequest(this.socket, 'ping', undefined, 1_000)).ok || undefined;
      } catch {
        return undefined;
      }
    });
  }

  request(method: ControlMethod, params?: unknown, timeoutMs?: number): Promise<ControlResponse> {
    return controlRequest(this.socket, method, params, timeoutMs);
  }

  /** Applies a desired state and returns burrowd's result; a refusal throws with burrowd's error and details. */
  async apply(state: DesiredStateInput): Promise<unknown> {
    const response = await this.request('apply', state);
    if (!response.ok) {
      throw new Error(`burrowd refused the desired state: ${response.error} (${response.details.join('; ')})`);
    }
    this.state = state;
    return response.result;
  }

  async status(): Promise<GatewayStatus> {
    const response = await this.request('status');
    if (!response.ok) {
      throw new Error(`burrowd's status failed: ${response.error}`);
    }
    return response.result as GatewayStatus;
  }

  async selfTest(): Promise<SelfTestCheck[]> {
    const response = await this.request('selfTest');
    if (!response.ok) {
      throw new Error(`burrowd's self-test failed to run: ${response.error}`);
    }
    return (response.result as { checks: SelfTestCheck[] }).checks;
  }

  /** The lab's desired state with some options changed (the run's own keys and names). */
  labState(options: LabStateOptions): DesiredStateInput {
    return labDesiredState(this.lab, options);
  }

  /** The engine's pid, from the pid file burrowd's supervisor keeps; undefined while no engine runs. */
  async enginePid(): Promise<number | undefined> {
    const pidFile = join(this.dataDir, 'run', `engine-${this.tunnelInterface}.pid`);
    const text = await readFile(pidFile, 'utf8').catch(() => '');
    const pid = Number(text.trim());
    if (!Number.isInteger(pid) || pid <= 0) {
      return undefined;
    }
    // The file outlives its process for a moment: check that the pid still runs this tunnel's engine.
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    const argv = cmdline.split('\0');
    const isEngine = argv.some((arg) => arg.endsWith('burrow-wg')) && argv.includes(this.tunnelInterface);
    return isEngine ? pid : undefined;
  }

  /** SIGKILLs the running engine (as a crash would) and returns its pid; throws when none runs. */
  async killEngine(): Promise<number> {
    const pid = await this.enginePid();
    if (pid === undefined) {
      throw new Error(`No engine for ${this.tunnelInterface} is running`);
    }
    process.kill(pid, 'SIGKILL');
    return pid;
  }

  /**
   * Keeps the engine dead while `during` runs: kills it, waits until its tunnel interface is gone, then kills
   * every engine the supervisor starts again as soon as the pid file names it. Resolves with `during`'s result and
   * the pids killed; afterwards the supervisor is left to bring the engine back on its own.
   */
  async keepEngineDown<T>(during: () => Promise<T>): Promise<{ result: T; killed: number[] }> {
    const killed = [await this.killEngine()];
    await this.waitForTunnelInterface(false);
    let done = false;
    const killing = (async () => {
      while (!done) {
        const pid = await this.enginePid();
        if (pid !== undefined && !killed.includes(pid)) {
          process.kill(pid, 'SIGKILL');
          killed.push(pid);
        }
        await sleep(20);
      }
    })();
    try {
      return { result: await during(), killed };
    } finally {
      done = true;
      await killing;
    }
  }

  /** The command lines of the processes running in the router namespace, for counting daemons. */
  async routerProcesses(): Promise<string[][]> {
    const pids = await pidsIn(this.router);
    const argvs = await Promise.all(
      pids.map(async (pid) => (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0')),
    );
    return argvs.filter((argv) => argv[0] !== '');
  }

  /** Waits until the tunnel's interface exists (an engine runs) or is gone (none runs). */
  async waitForTunnelInterface(present: boolean, timeoutMs = TUNNEL_TIMEOUT_MS): Promise<void> {
    await eventually(`${this.tunnelInterface} ${present ? 'appearing' : 'disappearing'}`, timeoutMs, async () => {
      const { code } = await run([TOOLS.ip, '-n', this.router, 'link', 'show', 'dev', this.tunnelInterface], {
        okExitCodes: [1],
      });
      return (code === 0) === present || undefined;
    });
  }

  /** Resolves with the time it took once a web request from `ns` arrives from the VPN server's address. */
  async waitForTunnel(ns: string, timeoutMs = TUNNEL_TIMEOUT_MS): Promise<number> {
    const started = Date.now();
    let last = '';
    while (Date.now() - started < timeoutMs) {
      try {
        last = await this.lab.whoami(ns, 4, { timeoutMs: 2_000 });
        if (last === this.record.vpnServer.address) {
          return Date.now() - started;
        }
      } catch (error) {
        last = (error as Error).message;
      }
      await sleep(POLL_MS);
    }
    throw new Error(`No web request from ${ns} went through the tunnel within ${timeoutMs} ms (last: ${last})`);
  }

  /** Starts a packet capture on the router's WAN link; its stop marker comes from the ISP's end of the link. */
  captureWan(name: string): Promise<Capture> {
    const { router, namespaces } = this.record;
    return Capture.start(this.lab, this.router, router.wanInterface, name, {
      ns: namespaces.internet,
      address: router.gateway,
      target: router.wanAddress.split('/')[0]!,
    });
  }

  /**
   * Gives LAN device `ns` an address in the LAN's IPv6 prefix and a default route to the router, as a device that
   * ignores the router's advertisement ("not a default router") would have: its IPv6 must still go nowhere.
   */
  async addDeviceIpv6(ns: string, address: string): Promise<void> {
    const ip = (args: readonly string[]) => run([TOOLS.ip, '-n', ns, ...args]);
    await ip(['-6', 'address', 'replace', `${address}/64`, 'dev', 'eth0', 'nodad']);
    await ip(['-6', 'route', 'replace', 'default', 'via', LAN_ROUTER_IPV6, 'dev', 'eth0']);
  }

  /** The parts of the router's state an apply could change, for before/after comparisons. */
  routerSnapshot(): Promise<RouterSnapshot> {
    return routerSnapshot(this.lab, this.router, this.tunnelInterface);
  }
}

export interface SelfTestCheck {
  readonly name: string;
  readonly pass: boolean;
  readonly details: string;
}

/** The parts of burrowd's status the tests read. */
export interface GatewayStatus {
  readonly state: { readonly killSwitch?: boolean; readonly tunnel?: unknown } | null;
  readonly killSwitch: boolean;
  readonly killSwitchState: {
    readonly armed: boolean;
    readonly disarmedUntil: string | null;
    readonly events: ReadonlyArray<{ at: number; kind: string; until: string | null; reason: string }>;
  };
  readonly firewall: { readonly loaded: string | null };
  readonly engine: {
    readonly interface: string | null;
    readonly running: boolean;
    readonly pid: number | null;
    readonly starts: number;
  };
  readonly peers: ReadonlyArray<{
    readonly publicKey: string;
    readonly lastHandshake: string | null;
    readonly rxBytes: number;
  }> | null;
  readonly dnsmasq: { readonly state: string; readonly pid: number | null };
  readonly leases: ReadonlyArray<{ readonly ip: string; readonly mac: string; readonly hostname: string | null }>;
}
