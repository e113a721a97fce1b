// Network namespaces, the veth cables between them, and each namespace's own /etc/netns/<ns>/resolv.conf.
// Nothing here touches the host's network: veth ends are created directly inside their namespaces, and
// `ip netns exec` bind-mounts /etc/netns/<ns>/* over /etc/* so a namespace never reads the host's resolver.
import { readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from '@burrow/firmware/os/exec';
import { TOOLS } from './tools.js';

const NETNS_ETC = '/etc/netns';
const PROCESS_GRACE_MS = 3_000;

export async function listNamespaces(): Promise<string[]> {
  const { stdout } = await run([TOOLS.ip, 'netns', 'list']);
  // Lines read "name" or "name (id: 3)".
  return stdout
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter((name) => name !== '');
}

/** A fresh namespace with loopback up. */
export async function addNamespace(ns: string): Promise<void> {
  await run([TOOLS.ip, 'netns', 'add', ns]);
  await run([TOOLS.ip, '-n', ns, 'link', 'set', 'lo', 'up']);
}

/**
 * Stops everything still running in `ns` (SIGTERM first, so a WireGuard daemon removes its UAPI socket; SIGKILL
 * after a grace period), deletes the namespace with the interfaces in it, and removes its /etc/netns entry.
 * A namespace that does not exist is not an error: removing is what was wanted.
 */
export async function removeNamespace(ns: string): Promise<void> {
  if ((await listNamespaces()).includes(ns)) {
    const pids = await pidsIn(ns);
    pids.forEach((pid) => signalIfAlive(pid, 'SIGTERM'));
    await waitUntilEnded(pids, PROCESS_GRACE_MS);
    pids.forEach((pid) => signalIfAlive(pid, 'SIGKILL'));
    try {
      await run([TOOLS.ip, 'netns', 'delete', ns]);
    } catch (error) {
      // Another run sweeping the same leftover may have been quicker.
      if ((await listNamespaces()).includes(ns)) {
        throw error;
      }
    }
  }
  await rm(join(NETNS_ETC, ns), { recursive: true, force: true });
}

/** Processes whose network namespace is `ns`. */
export async function pidsIn(ns: string): Promise<number[]> {
  const { stdout } = await run([TOOLS.ip, 'netns', 'pids', ns]);
  return stdout
    .split('\n')
    .filter((line) => /^\d+$/.test(line))
    .map(Number);
}

export interface VethEnd {
  readonly ns: string;
  readonly device: string;
  /** A fixed MAC address; the kernel picks a random one otherwise. */
  readonly mac?: string;
}

/** A veth cable between two namespaces; both ends stay down and without addresses. */
export async function addVeth(a: VethEnd, b: VethEnd): Promise<void> {
  const end = (side: VethEnd) => [side.device, 'netns', side.ns, ...(side.mac ? ['address', side.mac] : [])];
  await run([TOOLS.ip, 'link', 'add', ...end(a), 'type', 'veth', 'peer', 'name', ...end(b)]);
}

/**
 * Gives `ns` its own resolv.conf: programs started with `ip netns exec` see it at /etc/resolv.conf (a bind mount),
 * so nothing inside the lab asks, or rewrites, the host's resolver configuration.
 */
export async function writeNamespaceResolvConf(ns: string, nameservers: readonly string[]): Promise<void> {
  const dir = join(NETNS_ETC, ns);
  await mkdir(dir, { recursive: true, mode: 0o755 });
  const lines = nameservers.map((server) => `nameserver ${server}`);
  await writeFile(join(dir, 'resolv.conf'), `# Written by the Burrow household lab.\n${lines.join('\n')}\n`, {
    mode: 0o644,
  });
}

export function namespaceEtcDir(ns: string): string {
  return join(NETNS_ETC, ns);
}

/** Whether `pid` still runs. A zombie (dead, not yet reaped by whoever inherited it) does not. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it exists, we just may not signal it.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    // "pid (comm) S ...": the state follows the last ')', as comm may contain anything.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    // Gone between the two looks.
    return false;
  }
}

/** Resolves once none of `pids` runs any more, or after `timeoutMs` whatever still runs. */
export async function waitUntilEnded(pids: readonly number[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (pids.some(isAlive) && Date.now() < deadline) {
    await sleep(50);
  }
}

/** Sends `name` to `pid`; a process that is already gone is not an error. */
export function signalIfAlive(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') {
      throw error;
    }
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
