// The LAN's dnsmasq: its config written from the desired state, the process kept running by a Supervisor.
//
// apply(state): render → compare with what the running dnsmasq was started with (the same text: nothing to do) →
// write a temp file, fsync → `dnsmasq --test` on it (a config dnsmasq would refuse never replaces a working one) →
// rename over the config, fsync the directory → start dnsmasq, or restart it: dnsmasq re-reads only its hosts and
// resolv files on SIGHUP, never its main config, so a changed config needs a new process.
//
// dnsmasq runs in the foreground (-k), logging to stderr (--log-facility=-) into the supervisor's log, in whatever
// network namespace this process runs in. It starts as root and drops to its compiled-in user (nobody or dnsmasq)
// once its sockets are bound; it opens the lease file before dropping privileges and keeps that descriptor, rewriting
// the file in place through it, so the lease file may stay root-owned in a root-only data dir: no ownership setup,
// no --user=root.
import { mkdir, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { writeFileAtomic } from './atomic-file.js';
import { dirname, join } from 'node:path';
import type { DesiredState } from '../control/desired-state.js';
import { activeLeases, readDhcpLeases, type DhcpLease } from './dhcp-leases.js';
import { renderDnsmasqConfig } from './dnsmasq-config.js';
import { ExecError, SpawnExecutor, type Executor } from './exec.js';
import { Supervisor, type BackoffPolicy, type ChildExit, type SupervisorState } from './supervisor.js';

/** By absolute path, like every system tool burrowd runs (see exec.ts). */
export const DNSMASQ_PATH = '/usr/sbin/dnsmasq';
const CHECK_TIMEOUT_MS = 5_000;

export interface DnsmasqPaths {
  /** Written by burrowd on every change: root-only. */
  readonly configFile: string;
  /** Kept across reboots with the rest of the data dir. */
  readonly leaseFile: string;
  /** The running dnsmasq's pid, so a burrowd that restarts after a crash ends the old one first. */
  readonly pidFile: string;
}

/** The usual places: `<dataDir>/run/dnsmasq.conf`, `<dataDir>/run/dnsmasq.pid`, `<dataDir>/dnsmasq.leases`. */
export function dnsmasqPaths(dataDir: string): DnsmasqPaths {
  return {
    configFile: join(dataDir, 'run', 'dnsmasq.conf'),
    leaseFile: join(dataDir, 'dnsmasq.leases'),
    pidFile: join(dataDir, 'run', 'dnsmasq.pid'),
  };
}

export interface DnsmasqOptions {
  readonly paths: DnsmasqPaths;
  /** dnsmasq's own log lines and the supervisor's messages. */
  readonly log: (line: string) => void;
  /** Runs `dnsmasq --test`; default: a SpawnExecutor. */
  readonly executor?: Executor;
  /** See SupervisorOptions.launcher: `ip netns exec NS` for tests and labs; default: none. */
  readonly launcher?: readonly string[];
  readonly backoff?: Partial<BackoffPolicy>;
  /** Default DNSMASQ_PATH. */
  readonly program?: string;
  /** The router's host name, answered as <name>.lan besides burrow.lan; default: this machine's (os.hostname()). */
  readonly hostname?: string;
}

/** What apply() did: started dnsmasq, restarted it with a changed config, or left it as it was. */
export type DnsmasqApplyOutcome = 'started' | 'restarted' | 'unchanged';

export interface DnsmasqStatus {
  readonly state: SupervisorState;
  readonly pid: number | undefined;
  readonly startCount: number;
  readonly lastExit: ChildExit | undefined;
}

export class Dnsmasq {
  private readonly supervisor: Supervisor;
  private readonly executor: Executor;
  private readonly program: string;
  /** The config the supervised dnsmasq runs with; null while it is not supervised. */
  private appliedConfig: string | null = null;
  /** apply() and stop() run one at a time, in call order. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: DnsmasqOptions) {
    this.program = options.program ?? DNSMASQ_PATH;
    this.executor = options.executor ?? new SpawnExecutor();
    this.supervisor = new Supervisor({
      name: 'dnsmasq',
      argv: [this.program, '--keep-in-foreground', '--log-facility=-', `--conf-file=${options.paths.configFile}`],
      ...(options.launcher === undefined ? {} : { launcher: options.launcher }),
      ...(options.backoff === undefined ? {} : { backoff: options.backoff }),
      pidFile: options.paths.pidFile,
      log: options.log,
    });
  }

  /** Whether a dnsmasq process is alive right now (false between a crash and its restart). */
  get running(): boolean {
    return this.supervisor.running;
  }

  get status(): DnsmasqStatus {
    return {
      state: this.supervisor.state,
      pid: this.supervisor.pid,
      startCount: this.supervisor.startCount,
      lastExit: this.supervisor.lastExit,
    };
  }

  /**
   * Makes dnsmasq serve `state`: writes the config and (re)starts dnsmasq when the config changed or dnsmasq is not
   * supervised yet. A config dnsmasq refuses throws, and the running dnsmasq and its config file stay as they were.
   */
  apply(state: DesiredState): Promise<DnsmasqApplyOutcome> {
    return this.enqueue(async () => {
      const config = renderDnsmasqConfig(state, {
        leaseFile: this.options.paths.leaseFile,
        hostname: this.options.hostname ?? hostname(),
      });
      if (config === this.appliedConfig) {
        return 'unchanged';
      }
      await this.writeConfig(config);
      const outcome = this.appliedConfig === null ? 'started' : 'restarted';
      await this.supervisor.restart();
      // Only now: had the restart failed, the next apply of this same state must try again.
      this.appliedConfig = config;
      return outcome;
    });
  }

  /** Ends dnsmasq and its supervision; the next apply() starts it again. */
  stop(): Promise<void> {
    return this.enqueue(async () => {
      this.appliedConfig = null;
      await this.supervisor.stop();
    });
  }

  /** Ends dnsmasq, then deletes its lease file (a factory reset): the next dnsmasq starts with no leases. */
  forget(): Promise<void> {
    return this.enqueue(async () => {
      this.appliedConfig = null;
      await this.supervisor.stop();
      // After the stop: a running dnsmasq rewrites the file through the descriptor it keeps open.
      await rm(this.options.paths.leaseFile, { force: true });
    });
  }

  /** The DHCP leases that have not expired (DHCPv4, and DHCPv6 ones should there be any). */
  async leases(now: Date = new Date()): Promise<DhcpLease[]> {
    return activeLeases(await readDhcpLeases(this.options.paths.leaseFile), now);
  }

  private enqueue<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.queue.then(operation);
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** Written atomically, and checked by `dnsmasq --test` before it replaces a working config. */
  private async writeConfig(config: string): Promise<void> {
    const { configFile, leaseFile, pidFile } = this.options.paths;
    const runDir = dirname(configFile);
    await mkdir(runDir, { recursive: true, mode: 0o700 });
    await mkdir(dirname(pidFile), { recursive: true, mode: 0o700 });
    await mkdir(dirname(leaseFile), { recursive: true, mode: 0o700 });
    await writeFileAtomic(configFile, config, { validate: (temporary) => this.check(temporary) });
  }

  private async check(configFile: string): Promise<void> {
    try {
      await this.executor.run([this.program, '--test', `--conf-file=${configFile}`], { timeoutMs: CHECK_TIMEOUT_MS });
    } catch (error) {
      const reason = error instanceof ExecError && error.stderr !== '' ? error.stderr : (error as Error).message;
      throw new Error(`dnsmasq refuses the rendered config: ${reason}`, { cause: error });
    }
  }
}
