// A LAN device asking the router for an address: ISC dhclient does the DHCP exchange (and then stays, renewing);
// the lab applies the lease itself. dhclient's stock hook script would run the host's hook directories and replace
// /etc/resolv.conf by rename (which fails on the bind mount `ip netns exec` sets up, leaving temporary files in
// the host's /etc), so the hook here is /usr/bin/true and only the lease file is read.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { netmaskLength as prefixLengthOf, parseIp } from '@burrow/firmware/net/ip';
import { run } from '@burrow/firmware/os/exec';
import { pidsIn, signalIfAlive, waitUntilEnded, writeNamespaceResolvConf } from './namespaces.js';
import { TOOLS } from './tools.js';

/** dhclient gives up after this long without a lease (its own `timeout`), and is killed a little later. */
const LEASE_TIMEOUT_S = 20;
const STOP_TIMEOUT_MS = 3_000;

export interface DhcpLease {
  readonly address: string;
  readonly prefixLength: number;
  /** address/prefixLength, as `ip address` shows it. */
  readonly cidr: string;
  readonly routers: readonly string[];
  readonly dnsServers: readonly string[];
  readonly leaseSeconds: number | undefined;
  /** ISO 8601, when the lease file says. */
  readonly expires: string | undefined;
}

export interface LeaseRequest {
  readonly ns: string;
  readonly device: string;
  /** Sent as the DHCP host name, so the router's lease list can name the device. */
  readonly hostname: string;
  /** Where dhclient's configuration, lease and pid files go. */
  readonly dir: string;
}

/** Runs dhclient once in `ns` until it has a lease, then configures address, default route and resolv.conf. */
export async function requestLease(request: LeaseRequest): Promise<DhcpLease> {
  const { config, leases, pid } = filesOf(request);
  await writeFile(config, renderDhclientConfig(request.hostname), { mode: 0o644 });
  await stopLeaseClient(request);
  const argv = [
    ...[TOOLS.ip, 'netns', 'exec', request.ns],
    ...[TOOLS.dhclient, '-4', '-1', '-v'],
    ...['-cf', config, '-lf', leases, '-pf', pid, '-sf', TOOLS.true],
    request.device,
  ];
  try {
    // With a lease, dhclient goes to the background to renew it, and this first process exits 0.
    await run(argv, { timeoutMs: (LEASE_TIMEOUT_S + 5) * 1000 });
  } catch (error) {
    throw new Error(
      `${request.hostname} (${request.ns}) got no DHCP lease on ${request.device}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  const lease = parseLastLease(await readFile(leases, 'utf8'));
  if (lease === undefined) {
    throw new Error(`dhclient in ${request.ns} reported a lease but ${leases} holds none`);
  }
  const ip = (args: readonly string[]) => run([TOOLS.ip, '-n', request.ns, ...args]);
  // A new lease replaces the old one rather than adding a second address.
  await ip(['-4', 'address', 'flush', 'dev', request.device, 'scope', 'global']);
  await ip(['address', 'add', lease.cidr, 'dev', request.device]);
  const router = lease.routers[0];
  if (router !== undefined) {
    await ip(['route', 'replace', 'default', 'via', router, 'dev', request.device]);
  }
  if (lease.dnsServers.length > 0) {
    await writeNamespaceResolvConf(request.ns, lease.dnsServers);
  }
  return lease;
}

/**
 * Ends the dhclient an earlier request left renewing in `ns` (so a device never has two), and the lab's before it
 * removes the namespace. SIGKILL at once: dhclient takes about two seconds to honour SIGTERM, and has nothing to
 * tidy up (the lease file is complete; a DHCPRELEASE is not wanted).
 */
export async function stopLeaseClient(request: Pick<LeaseRequest, 'ns' | 'hostname' | 'dir'>): Promise<void> {
  const pidFile = filesOf(request).pid;
  let pid: number;
  try {
    pid = Number((await readFile(pidFile, 'utf8')).trim());
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return;
    }
    throw error;
  }
  // Only a process inside this namespace: a stale pid file must not make us signal an unrelated process.
  if (!(await pidsIn(request.ns)).includes(pid)) {
    return;
  }
  signalIfAlive(pid, 'SIGKILL');
  await waitUntilEnded([pid], STOP_TIMEOUT_MS);
}

function filesOf(request: Pick<LeaseRequest, 'hostname' | 'dir'>) {
  const base = join(request.dir, `dhclient-${request.hostname}`);
  return { config: `${base}.conf`, leases: `${base}.leases`, pid: `${base}.pid` };
}

export function renderDhclientConfig(hostname: string): string {
  if (!/^[a-z0-9-]{1,63}$/.test(hostname)) {
    throw new Error(`Not a host name for DHCP: ${JSON.stringify(hostname)}`);
  }
  return [
    `send host-name "${hostname}";`,
    'request subnet-mask, broadcast-address, routers, domain-name, domain-name-servers, interface-mtu;',
    `timeout ${LEASE_TIMEOUT_S};`,
    // Ask again after a second, not after dhclient's default of several: the router may still be starting.
    'initial-interval 1;',
    'backoff-cutoff 2;',
    '',
  ].join('\n');
}

/** The last `lease { ... }` block of a dhclient lease file (the newest), or undefined when there is none. */
export function parseLastLease(text: string): DhcpLease | undefined {
  const blocks = [...text.matchAll(/lease\s*\{([^}]*)\}/g)];
  const body = blocks.at(-1)?.[1];
  if (body === undefined) {
    return undefined;
  }
  const statements = new Map<string, string>();
  for (const line of body.split(';')) {
    const match = /^\s*(option\s+[\w-]+|[\w-]+)\s+(.*?)\s*$/s.exec(line);
    if (match) {
      statements.set(match[1]!.replace(/\s+/g, ' '), match[2]!);
    }
  }
  const address = statements.get('fixed-address');
  const mask = statements.get('option subnet-mask');
  if (address === undefined || mask === undefined) {
    return undefined;
  }
  const prefixLength = netmaskLength(mask);
  const list = (key: string) =>
    (statements.get(key) ?? '')
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
  const leaseTime = statements.get('option dhcp-lease-time');
  return {
    address,
    prefixLength,
    cidr: `${address}/${prefixLength}`,
    routers: list('option routers'),
    dnsServers: list('option domain-name-servers'),
    leaseSeconds: leaseTime === undefined ? undefined : Number(leaseTime),
    expires: parseLeaseTime(statements.get('expire')),
  };
}

function netmaskLength(mask: string): number {
  const bytes = parseIp(mask);
  const length = bytes?.length === 4 ? prefixLengthOf(bytes) : null;
  if (length === null) {
    throw new Error(`Not a netmask: ${mask}`);
  }
  return length;
}

/** dhclient writes "W YYYY/MM/DD HH:MM:SS" in UTC (or "never"). */
function parseLeaseTime(value: string | undefined): string | undefined {
  const match = /^\d\s+(\d{4})\/(\d{2})\/(\d{2})\s+(\d{2}):(\d{2}):(\d{2})$/.exec(value ?? '');
  if (!match) {
    return undefined;
  }
  const [, year, month, day, hours, minutes, seconds] = match;
  return new Date(`${year}-${month}-${day}T${hours}:${minutes}:${seconds}Z`).toISOString();
}
