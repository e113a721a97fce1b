// The "Internet" of the household lab: one namespace that is the router's ISP (the far end of the WAN link, the
// default gateway) and hosts a web server that echoes the client's address and a DNS server for the test zone.
// The VPN servers live here too (vpn-server.ts).
import { fileURLToPath } from 'node:url';
import { run } from '@burrow/firmware/os/exec';
import { INTERFACES, INTERNET_HOST, VPN_SERVER, VPN_SERVERS, WAN_LINK } from './address-plan.js';
import { type LabProcess } from './lab-process.js';
import { addVeth } from './namespaces.js';
import { TOOLS } from './tools.js';

const WHOAMI_SERVER_PATH = fileURLToPath(new URL('./whoami-server.js', import.meta.url));
const READY_TIMEOUT_MS = 10_000;

/** What the builders need from the lab: its namespaces and a way to start supervised programs. */
export interface LabContext {
  readonly internetNs: string;
  readonly routerNs: string;
  readonly runDir: string;
  readonly start: (ns: string, name: string, argv: readonly string[]) => LabProcess;
}

/**
 * The WAN cable: `isp0` in the internet namespace, `wan0` in the router, one IPv4 and one IPv6 address each, and
 * the router's default routes through the ISP. IPv6 addresses skip duplicate address detection and the links
 * get no link-local address, so nothing is left "tentative" for a test to trip over.
 */
export async function connectWan(context: LabContext): Promise<void> {
  const { internetNs, routerNs } = context;
  await addVeth({ ns: internetNs, device: INTERFACES.isp }, { ns: routerNs, device: INTERFACES.wan });
  const ends = [
    [internetNs, INTERFACES.isp, WAN_LINK.gateway],
    [routerNs, INTERFACES.wan, WAN_LINK.router],
  ] as const;
  for (const [ns, device, address] of ends) {
    const ip = (args: readonly string[]) => run([TOOLS.ip, '-n', ns, ...args]);
    await ip(['link', 'set', 'dev', device, 'addrgenmode', 'none']);
    await ip(['address', 'add', `${address.ipv4}/${WAN_LINK.prefixLength.ipv4}`, 'dev', device]);
    await ip(['address', 'add', `${address.ipv6}/${WAN_LINK.prefixLength.ipv6}`, 'dev', device, 'nodad']);
    await ip(['link', 'set', 'dev', device, 'up']);
  }
  const router = (args: readonly string[]) => run([TOOLS.ip, '-n', routerNs, ...args]);
  await router(['route', 'add', 'default', 'via', WAN_LINK.gateway.ipv4, 'dev', INTERFACES.wan]);
  await router(['-6', 'route', 'add', 'default', 'via', WAN_LINK.gateway.ipv6, 'dev', INTERFACES.wan]);
  // The ISP routes: what arrives from the VPN server's tunnel and is not for this host goes on.
  await sysctl(internetNs, 'net.ipv4.ip_forward', '1');
  await sysctl(internetNs, 'net.ipv6.conf.all.forwarding', '1');
}

/** The Internet host's and the VPN servers' public addresses (on loopback: the lab's kernel has no dummy links). */
export async function addInternetAddresses(context: LabContext): Promise<void> {
  const addresses = [INTERNET_HOST.web, INTERNET_HOST.dns, ...Object.values(VPN_SERVERS).map((plan) => plan.public)];
  for (const { ipv4, ipv6 } of addresses) {
    await run([TOOLS.ip, '-n', context.internetNs, 'address', 'add', `${ipv4}/32`, 'dev', 'lo']);
    await run([TOOLS.ip, '-n', context.internetNs, 'address', 'add', `${ipv6}/128`, 'dev', 'lo', 'nodad']);
  }
}

/** The web server; resolves once it listens on both of its addresses. */
export async function startWebServer(context: LabContext): Promise<LabProcess> {
  const { web, webPort } = INTERNET_HOST;
  const server = context.start(context.internetNs, 'web', [
    process.execPath,
    WHOAMI_SERVER_PATH,
    web.ipv4,
    web.ipv6,
    '--port',
    String(webPort),
  ]);
  await server.waitFor('listen on both addresses', READY_TIMEOUT_MS, async () =>
    ((await server.readLog()).match(/^listening on /gm) ?? []).length >= 2 ? true : undefined,
  );
  return server;
}

/** The Internet DNS server: answers for the test zone from its own records and refuses everything else. */
export async function startInternetDns(context: LabContext): Promise<LabProcess> {
  const dns = context.start(context.internetNs, 'internet-dns', internetDnsArgv(context.runDir));
  await dns.waitForLog(/started, version/, READY_TIMEOUT_MS);
  return dns;
}

export function internetDnsArgv(runDir: string): string[] {
  const { web, dns, zone, webName } = INTERNET_HOST;
  return [
    ...dnsmasqBaseArgv(runDir, 'internet-dns'),
    `--listen-address=${dns.ipv4}`,
    `--listen-address=${dns.ipv6}`,
    `--host-record=${webName},${web.ipv4},${web.ipv6}`,
    // vpn.internet.test is server A's older name, kept for the tests that use it.
    `--host-record=${VPN_SERVER.name},${VPN_SERVER.public.ipv4},${VPN_SERVER.public.ipv6}`,
    // The servers' own names only by IPv4: wireguard-go in this namespace answers over IPv6 only now and then
    // (measured: about every other reply to a client on 2001:db8:100::2 never leaves), which a router that
    // resolves B's name to its IPv6 address took for a dead server. The servers still listen on IPv6.
    ...Object.values(VPN_SERVERS).map((plan) => `--host-record=${plan.name},${plan.public.ipv4}`),
    // Names in the zone without a record are NXDOMAIN, answered here, never passed on.
    `--local=/${zone}/`,
  ];
}

/**
 * What every lab dnsmasq shares: in the foreground, no configuration file, hosts file or resolv.conf of the host,
 * bound only to its own addresses (two of them share the internet namespace), logging queries to its log file.
 */
export function dnsmasqBaseArgv(runDir: string, name: string): string[] {
  return [
    TOOLS.dnsmasq,
    '--keep-in-foreground',
    '--conf-file=/dev/null',
    `--pid-file=${runDir}/${name}.pid`,
    '--no-resolv',
    '--no-hosts',
    // Binds each listen address itself (two dnsmasqs share the internet namespace), also one that appears later.
    '--bind-dynamic',
    '--log-facility=-',
    '--log-queries',
  ];
}

export async function sysctl(ns: string, key: string, value: string): Promise<void> {
  await run([TOOLS.ip, 'netns', 'exec', ns, TOOLS.sysctl, '-q', '-w', `${key}=${value}`]);
}
