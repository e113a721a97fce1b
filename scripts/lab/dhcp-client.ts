// A LAN device's DHCP client, as a real device has one: ISC dhclient runs from the moment the lab is built, asks
// until the router answers, applies its lease and renews it. It runs in the foreground as a lab process (so it is
// stopped with the lab), and its hook is dhcp-hook.ts, not the stock script: that one would run the host's hook
// directories and replace /etc/resolv.conf by rename (which fails on the bind mount `ip netns exec` sets up,
// leaving temporary files in the host's /etc). The hook applies address, default route and the namespace's own
// resolv.conf, and writes what it applied to a JSON file, which waitForLease() reads.
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { netmaskLength as netmaskLengthOf, parseIp } from '@burrow/firmware/net/ip';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { sleep } from './namespaces.js';
import { TOOLS } from './tools.js';

const HOOK_PATH = fileURLToPath(new URL('./dhcp-hook.js', import.meta.url));
/** dhclient asks this long before it pauses (`timeout`), then starts again after `retry`. */
const ASK_SECONDS = 30;
/** How long waitForLease() waits by default: the router's DHCP answers within a few seconds once it runs. */
const DEFAULT_WAIT_MS = 30_000;
const POLL_MS = 100;

export interface DhcpLease {
  readonly address: string;
  readonly prefixLength: number;
  /** address/prefixLength, as `ip address` shows it. */
  readonly cidr: string;
  readonly routers: readonly string[];
  readonly dnsServers: readonly string[];
  readonly leaseSeconds: number | undefined;
  /** ISO 8601, when the server said. */
  readonly expires: string | undefined;
}

export interface LeaseClient {
  readonly ns: string;
  readonly device: string;
  /** Sent as the DHCP host name, so the router's lease list can name the device. */
  readonly hostname: string;
  /** Where dhclient's configuration, lease and pid files, the hook and the applied lease go. */
  readonly dir: string;
}

/** The files of one device's client. */
export function leaseClientFiles(client: Pick<LeaseClient, 'hostname' | 'dir'>) {
  const base = join(client.dir, `dhclient-${client.hostname}`);
  return {
    config: `${base}.conf`,
    leases: `${base}.leases`,
    pid: `${base}.pid`,
    hook: `${base}-hook.mjs`,
    /** The lease the hook applied (JSON); absent while the device holds none. */
    applied: `${base}.applied.json`,
  };
}

/**
 * Writes the client's configuration and hook, and returns the argv that runs dhclient in the foreground (to be
 * started inside the device's namespace). The hook is a two-line module naming this device, run by Node itself
 * (dhclient gives a hook only its environment).
 */
export async function prepareLeaseClient(client: LeaseClient): Promise<string[]> {
  const files = leaseClientFiles(client);
  await writeFile(files.config, renderDhclientConfig(client.hostname), { mode: 0o644 });
  const hook = [
    `#!${process.execPath}`,
    `import { runDhcpHook } from ${JSON.stringify(pathToFileURL(HOOK_PATH).href)};`,
    `process.exitCode = await runDhcpHook(${JSON.stringify({ ns: client.ns, appliedFile: files.applied })}, process.env);`,
    '',
  ].join('\n');
  await writeFile(files.hook, hook, { mode: 0o700 });
  await chmod(files.hook, 0o700);
  return [
    ...[TOOLS.dhclient, '-4', '-d', '-v'],
    ...['-cf', files.config, '-lf', files.leases, '-pf', files.pid, '-sf', files.hook],
    client.device,
  ];
}

/** The lease the device's running client holds now, once it holds one (waiting up to `timeoutMs`). */
export async function waitForLease(
  client: Pick<LeaseClient, 'ns' | 'hostname' | 'dir'>,
  timeoutMs = DEFAULT_WAIT_MS,
): Promise<DhcpLease> {
  const { applied } = leaseClientFiles(client);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const lease = await readAppliedLease(applied);
    if (lease !== undefined) {
      return lease;
    }
    if (Date.now() > deadline) {
      throw new Error(`${client.hostname} (${client.ns}) got no DHCP lease within ${timeoutMs} ms`);
    }
    await sleep(POLL_MS);
  }
}

async function readAppliedLease(file: string): Promise<DhcpLease | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as DhcpLease;
  } catch (error) {
    // Absent: no lease yet. The hook writes by rename, so a file that exists is whole.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return undefined;
    }
    throw error;
  }
}

export function renderDhclientConfig(hostname: string): string {
  if (!/^[a-z0-9-]{1,63}$/.test(hostname)) {
    throw new Error(`Not a host name for DHCP: ${JSON.stringify(hostname)}`);
  }
  return [
    `send host-name "${hostname}";`,
    'request subnet-mask, broadcast-address, routers, domain-name, domain-name-servers, interface-mtu;',
    // A real device asks for a minute and pauses for five; the lab's devices ask all the time, so a router that
    // comes up (or a test that starts a DHCP server) hands them a lease within a few seconds.
    `timeout ${ASK_SECONDS};`,
    'retry 1;',
    // Ask again after a second, not after dhclient's default of several: the router may still be starting.
    'initial-interval 1;',
    'backoff-cutoff 2;',
    '',
  ].join('\n');
}

/** The prefix length of a dotted IPv4 netmask (255.255.255.0 → 24), read by the firmware's IP parser. */
export function netmaskLength(mask: string): number {
  const bytes = parseIp(mask);
  const length = bytes?.length === 4 ? netmaskLengthOf(bytes) : null;
  if (length === null) {
    throw new Error(`Not a netmask: ${mask}`);
  }
  return length;
}
