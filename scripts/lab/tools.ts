// The system programs the lab runs, by absolute path as Debian installs them: a PATH lookup could find a
// look-alike (node_modules/.bin has an unrelated `nft`).
import { access, constants } from 'node:fs/promises';
import { IP_PATH } from '@burrow/firmware/os/exec';

export const TOOLS = {
  ip: IP_PATH,
  nft: '/usr/sbin/nft',
  sysctl: '/usr/sbin/sysctl',
  dnsmasq: '/usr/sbin/dnsmasq',
  dhclient: '/usr/sbin/dhclient',
  wg: '/usr/bin/wg',
  wireguardGo: '/usr/bin/wireguard-go',
  /** dhclient's hook script: the lab applies the lease itself (see dhcp-client.ts). */
  true: '/usr/bin/true',
} as const;

/** The Debian package of each program, for the message that says what to install. */
const PACKAGES: Record<keyof typeof TOOLS, string> = {
  ip: 'iproute2',
  nft: 'nftables',
  sysctl: 'procps',
  dnsmasq: 'dnsmasq-base',
  dhclient: 'isc-dhcp-client',
  wg: 'wireguard-tools',
  wireguardGo: 'wireguard-go',
  true: 'coreutils',
};

/** Why the lab cannot run on this machine (not root, programs missing), or undefined when it can. */
export async function labUnavailableReason(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) {
    return 'the household lab needs root (network namespaces)';
  }
  const missing: string[] = [];
  for (const [tool, path] of Object.entries(TOOLS) as [keyof typeof TOOLS, string][]) {
    try {
      await access(path, constants.X_OK);
    } catch {
      missing.push(`${path} (${PACKAGES[tool]})`);
    }
  }
  return missing.length === 0 ? undefined : `missing programs: ${missing.join(', ')}`;
}
