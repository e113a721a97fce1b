// dhclient's hook for a lab LAN device (dhcp-client.ts writes the two-line module that calls it). dhclient runs
// it inside the device's namespace with the lease in its environment (reason, interface, new_ip_address, …) and
// waits for it. It applies a lease as a device's network stack would (the address with the lease's lifetime, the
// default route, the namespace's own resolv.conf) and records it; when the lease ends it removes the address.
// Its output goes to dhclient's log.
import { rename, rm, writeFile } from 'node:fs/promises';
import { run } from '@burrow/firmware/os/exec';
import { type DhcpLease, netmaskLength } from './dhcp-client.js';
import { writeNamespaceResolvConf } from './namespaces.js';
import { TOOLS } from './tools.js';

export interface HookTarget {
  /** The device's namespace: its resolv.conf is /etc/netns/<ns>/resolv.conf. */
  readonly ns: string;
  /** Where the applied lease goes (JSON), for waitForLease(). */
  readonly appliedFile: string;
}

const APPLY = new Set(['BOUND', 'RENEW', 'REBIND', 'REBOOT']);
const REMOVE = new Set(['EXPIRE', 'FAIL', 'RELEASE', 'STOP']);

/** Returns the exit code dhclient reads: 0, except for TIMEOUT, where 1 says "do not fall back on an old lease". */
export async function runDhcpHook(target: HookTarget, env: NodeJS.ProcessEnv): Promise<number> {
  const reason = env['reason'] ?? '';
  const device = env['interface'];
  if (device === undefined || !/^[A-Za-z0-9_.-]{1,15}$/.test(device)) {
    console.error(`dhcp hook: no usable interface name for ${reason}`);
    return 1;
  }
  const ip = (args: readonly string[]) => run([TOOLS.ip, ...args]);
  if (APPLY.has(reason)) {
    const lease = leaseFromEnv(env);
    const old = env['old_ip_address'];
    if (old !== undefined && old !== lease.address) {
      await ip(['-4', 'address', 'flush', 'dev', device, 'scope', 'global']);
    }
    const lifetime = lease.leaseSeconds === undefined ? [] : lifetimeArgs(lease.leaseSeconds);
    await ip(['address', 'replace', lease.cidr, 'dev', device, ...lifetime]);
    const router = lease.routers[0];
    if (router !== undefined) {
      await ip(['route', 'replace', 'default', 'via', router, 'dev', device]);
    }
    if (lease.dnsServers.length > 0) {
      await writeNamespaceResolvConf(target.ns, lease.dnsServers);
    }
    const temporary = `${target.appliedFile}.tmp`;
    await writeFile(temporary, `${JSON.stringify(lease)}\n`, { mode: 0o644 });
    await rename(temporary, target.appliedFile);
    console.log(`dhcp hook: ${reason}: ${lease.cidr} via ${router ?? '(no router)'}, lease ${lease.leaseSeconds} s`);
    return 0;
  }
  if (REMOVE.has(reason)) {
    await rm(target.appliedFile, { force: true });
    await ip(['-4', 'address', 'flush', 'dev', device, 'scope', 'global']);
    console.log(`dhcp hook: ${reason}: address removed`);
    return 0;
  }
  // TIMEOUT: no server answered and dhclient offers an old lease; the lab's devices wait for a fresh one.
  return reason === 'TIMEOUT' ? 1 : 0;
}

export function leaseFromEnv(env: NodeJS.ProcessEnv): DhcpLease {
  const address = env['new_ip_address'];
  const mask = env['new_subnet_mask'];
  if (address === undefined || mask === undefined) {
    throw new Error(`dhcp hook: ${env['reason']} without new_ip_address and new_subnet_mask`);
  }
  const prefixLength = netmaskLength(mask);
  const list = (name: string) => (env[name] ?? '').split(/\s+/).filter((item) => item !== '');
  const leaseTime = env['new_dhcp_lease_time'];
  const expiry = env['new_expiry'];
  return {
    address,
    prefixLength,
    cidr: `${address}/${prefixLength}`,
    routers: list('new_routers'),
    dnsServers: list('new_domain_name_servers'),
    leaseSeconds: leaseTime === undefined ? undefined : Number(leaseTime),
    expires: expiry === undefined ? undefined : new Date(Number(expiry) * 1000).toISOString(),
  };
}

/** The address lives as long as the lease: a device that stops renewing loses it, as a real one does. */
function lifetimeArgs(seconds: number): string[] {
  return Number.isSafeInteger(seconds) && seconds > 0
    ? ['valid_lft', String(seconds), 'preferred_lft', String(seconds)]
    : [];
}
