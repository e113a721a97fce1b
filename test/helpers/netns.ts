// Network-namespace labs for tests and benchmarks: unique namespaces, veth links between them, and a
// cleanup that always runs. Everything lives inside namespaces this module creates; the host's own
// network is never touched (veth ends are created directly inside their namespaces).
//
// Names are `burrow-<purpose>-p<pid>-<hex>`: the pid of the creating process lets a later run tell a
// crashed run's leftovers (pid gone) from a run still going on in parallel (pid alive).
import { isAlive, listNamespaces, removeNamespace } from '@burrow/scripts/lab/namespaces';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, runInNamespace } from './netns-exec.js';
import { startInNamespace, type ManagedProcess } from './netns-process.js';

const NAMESPACE_PATTERN = /^burrow-[a-z]+-p(\d+)-[0-9a-f]{6}$/;
const PURPOSE_PATTERN = /^[a-z]+$/;
const SETTLE_TIMEOUT_MS = 5_000;

/** Two addresses on one underlay link, one per family, with prefix lengths. */
export interface UnderlayAddresses {
  readonly ipv4: string;
  readonly ipv6: string;
}

export interface VethLink {
  readonly a: { readonly ns: string; readonly device: string; readonly addresses: UnderlayAddresses };
  readonly b: { readonly ns: string; readonly device: string; readonly addresses: UnderlayAddresses };
}

type Cleanup = () => Promise<void>;

/** Every namespace, process and temporary directory one test (or one benchmark pair) uses. */
export class NetnsLab {
  private readonly cleanups: Cleanup[] = [];
  private closed = false;

  private constructor(
    readonly purpose: string,
    /** A 0700 directory for key files and the like, removed on close. */
    readonly tempDir: string,
  ) {}

  /** Sweeps a crashed run's leftovers (once per process), then opens an empty lab. */
  static async create(purpose: string): Promise<NetnsLab> {
    if (!PURPOSE_PATTERN.test(purpose)) {
      throw new Error(`A lab purpose is lowercase letters only, got "${purpose}"`);
    }
    sweepOnce ??= sweepLeftoverNamespaces();
    await sweepOnce;
    const tempDir = await mkdtemp(join(tmpdir(), `burrow-${purpose}-`));
    const lab = new NetnsLab(purpose, tempDir);
    lab.defer(() => rm(tempDir, { recursive: true, force: true }));
    return lab;
  }

  /** Registers work for close(), which runs it newest first. */
  defer(cleanup: Cleanup): void {
    this.assertOpen();
    this.cleanups.push(cleanup);
  }

  /** A fresh namespace with loopback up; removed (with everything in it) on close. */
  async addNamespace(): Promise<string> {
    this.assertOpen();
    const ns = `burrow-${this.purpose}-p${process.pid}-${randomBytes(3).toString('hex')}`;
    await run(['ip', 'netns', 'add', ns]);
    if (this.closed) {
      // close() ran (say, on Ctrl-C) while the namespace was being made: it would outlive the lab.
      await removeNamespace(ns);
      this.assertOpen();
    }
    this.defer(() => removeNamespace(ns));
    await run(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
    return ns;
  }

  /**
   * A veth pair between two namespaces, both ends up with one IPv4 and one IPv6 address each.
   * IPv6 addresses skip duplicate address detection and no link-local address is generated, so
   * nothing is left "tentative" for a test to trip over.
   */
  async connect(
    a: { ns: string; device: string; addresses: UnderlayAddresses },
    b: { ns: string; device: string; addresses: UnderlayAddresses },
  ): Promise<VethLink> {
    await run(['ip', 'link', 'add', a.device, 'netns', a.ns, 'type', 'veth', 'peer', 'name', b.device, 'netns', b.ns]);
    for (const end of [a, b]) {
      await run(['ip', '-n', end.ns, 'link', 'set', 'dev', end.device, 'addrgenmode', 'none']);
      await run(['ip', '-n', end.ns, 'address', 'add', end.addresses.ipv4, 'dev', end.device]);
      await run(['ip', '-n', end.ns, 'address', 'add', end.addresses.ipv6, 'dev', end.device, 'nodad']);
      await run(['ip', '-n', end.ns, 'link', 'set', 'dev', end.device, 'up']);
    }
    await waitForIPv6Settled(a.ns);
    await waitForIPv6Settled(b.ns);
    return { a, b };
  }

  /** Starts argv inside `ns`; the process group is stopped on close. */
  start(ns: string, argv: readonly string[]): ManagedProcess {
    this.assertOpen();
    const started = startInNamespace(ns, argv);
    this.defer(async () => {
      await started.stop();
    });
    return started;
  }

  private assertOpen(): void {
    if (this.closed) {
      throw new Error(`Lab "${this.purpose}" is already closed`);
    }
  }

  /** Runs every cleanup even when some fail, then reports all failures at once. */
  async close(): Promise<void> {
    if (this.closed) {
      return;
    }
    this.closed = true;
    const errors: unknown[] = [];
    for (const cleanup of this.cleanups.reverse()) {
      try {
        await cleanup();
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length > 0) {
      throw new AggregateError(errors, `Cleaning up lab "${this.purpose}" failed ${errors.length} time(s)`);
    }
  }
}

let sweepOnce: Promise<void> | undefined;

/** Waits until no IPv6 address in `ns` is still tentative (duplicate address detection running). */
async function waitForIPv6Settled(ns: string): Promise<void> {
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  for (;;) {
    const { stdout } = await run(['ip', '-n', ns, '-6', 'address', 'show', 'tentative']);
    if (stdout.trim() === '') {
      return;
    }
    if (Date.now() > deadline) {
      throw new Error(`IPv6 addresses in ${ns} are still tentative after ${SETTLE_TIMEOUT_MS} ms:\n${stdout}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Removes namespaces of our naming scheme whose creating process no longer exists. */
async function sweepLeftoverNamespaces(): Promise<void> {
  for (const name of await listNamespaces()) {
    const match = NAMESPACE_PATTERN.exec(name);
    if (match && !isAlive(Number(match[1]))) {
      await removeNamespace(name);
    }
  }
}

/** UDP datagrams delivered to sockets in `ns` so far (`Udp: InDatagrams` of that namespace's /proc/net/snmp). */
export async function udpDatagramsReceived(ns: string): Promise<number> {
  const { stdout } = await runInNamespace(ns, ['cat', '/proc/net/snmp']);
  const [header, values] = stdout.split('\n').filter((line) => line.startsWith('Udp:'));
  const index = header?.split(/\s+/).indexOf('InDatagrams') ?? -1;
  const value = Number(values?.split(/\s+/)[index]);
  if (index < 0 || !Number.isSafeInteger(value)) {
    throw new Error(`No Udp InDatagrams counter in /proc/net/snmp of ${ns}`);
  }
  return value;
}

/** Sets a sysctl inside `ns` only (net.* sysctls are per namespace), e.g. `net/ipv4/conf/all/forwarding`. */
export async function writeSysctl(ns: string, path: string, value: string): Promise<void> {
  if (!/^net\/[\w./-]+$/.test(path) || path.includes('..')) {
    throw new Error(`Only net/ sysctls are namespaced; refusing ${path}`);
  }
  await runInNamespace(ns, ['tee', `/proc/sys/${path}`], { input: `${value}\n` });
}
