// Looking for leaks: both LAN devices run leak-probe.js (every way out, for a while) while the WAN link is
// captured, and the capture is counted by kind. What may cross the WAN while the kill switch is on:
//   tunnel        the encrypted tunnel packets, between the router and the VPN endpoint (203.0.113.1:51820)
//   link control  ARP, and IPv6 neighbour discovery, router solicitations and multicast listener reports
// Everything else is a leak; the tests count four views of it:
//   lanAddresses  any packet from or to the LAN's addresses (100.64.8.0/24, fd08::/64): unmasqueraded LAN traffic
//   plaintextDns  anything to or from port 53: with a literal endpoint the router resolves nothing on the WAN
//   other         anything that is neither tunnel nor link control (nor the capture's own stop marker):
//                 masqueraded LAN traffic lands here
//   web           plain web traffic to the Internet host, which only a LAN device sends
import { type ExecutionContext } from 'ava';
import { fileURLToPath } from 'node:url';
import { type Capture } from './capture.js';
import { type Gateway } from './fixture.js';

const LEAK_PROBE_PATH = fileURLToPath(new URL('./leak-probe.js', import.meta.url));

/** The leak windows the issue asks for. */
export const LEAK_WINDOW_MS = 10_000;
/** IPv6 addresses the devices give themselves in the LAN prefix (fd08::/64) for the leak windows. */
export const DEVICE_IPV6 = ['fd08::100:1', 'fd08::100:2'] as const;

/** The lab's VPN servers' endpoints: server A (the lab's own state uses it) and server B. */
export const VPN_ENDPOINTS = {
  a: { address: '203.0.113.1', port: 51820 },
  b: { address: '203.0.113.2', port: 51821 },
} as const;
const TUNNEL = tunnelFilter([VPN_ENDPOINTS.a]);
const LINK_CONTROL =
  'arp or (ip6 and (src net fe80::/10 or dst net ff00::/8)) or (icmp6 and ip6[40] >= 133 and ip6[40] <= 137)';

/** The encrypted tunnel packets to and from these endpoints. */
export function tunnelFilter(endpoints: ReadonlyArray<{ address: string; port: number }>): string {
  return endpoints.map(({ address, port }) => `(udp and host ${address} and port ${port})`).join(' or ');
}

/**
 * The tcpdump filter of each kind of packet counted on the WAN; `tunnel` (default: server A's) is what the
 * tunnel packets may look like, e.g. tunnelFilter() of both servers while failover switches between them.
 */
export function wanFilters(capture: Capture, tunnel: string = TUNNEL) {
  return {
    tunnel,
    lanAddresses: 'net 100.64.8.0/24 or net fd08::/64',
    plaintextDns: 'port 53',
    other: `not (${tunnel}) and not (${LINK_CONTROL}) and not (${capture.markerFilter})`,
    /** Plain web traffic to the Internet host: only a LAN device (through a NAT) ever sends it. */
    web: 'tcp and host 203.0.113.10 and port 80',
  } as const;
}

export type WanKind = keyof ReturnType<typeof wanFilters>;
export type WanCounts = Record<WanKind, number>;

interface Tally {
  readonly attempts: number;
  readonly successes: number;
  readonly failures: Readonly<Record<string, number>>;
}

/** leak-probe.js's report: per kind of attempt (tcp4, udp6, dns-router, icmp4, …). */
export type ProbeReport = Readonly<Record<string, Tally>>;

/** Runs leak-probe.js in both LAN devices at once for `durationMs`; resolves with their reports. */
export async function probeFromBothDevices(gateway: Gateway, durationMs = LEAK_WINDOW_MS): Promise<ProbeReport[]> {
  return Promise.all(
    gateway.lanDevices.map(async (ns) => {
      const { stdout } = await gateway.lab.exec(
        ns,
        [process.execPath, LEAK_PROBE_PATH, '--duration', `${durationMs}`],
        {
          timeoutMs: durationMs + 30_000,
        },
      );
      return JSON.parse(stdout) as ProbeReport;
    }),
  );
}

/** Gives both devices their IPv6 address and route; the leak windows try IPv6 too. */
export async function prepareDeviceIpv6(gateway: Gateway): Promise<void> {
  await Promise.all(gateway.lanDevices.map((ns, index) => gateway.addDeviceIpv6(ns, DEVICE_IPV6[index]!)));
}

/** Attempts and successes summed over the devices, per kind: "tcp4 0/96, …" for the test's log. */
export function summarise(reports: readonly ProbeReport[]): string {
  const kinds = [...new Set(reports.flatMap((report) => Object.keys(report)))].sort();
  return kinds
    .map((kind) => {
      const attempts = reports.reduce((sum, report) => sum + (report[kind]?.attempts ?? 0), 0);
      const successes = reports.reduce((sum, report) => sum + (report[kind]?.successes ?? 0), 0);
      return `${kind} ${successes}/${attempts}`;
    })
    .join(', ');
}

/** What leak-probe.js tries, each in its own loop. */
const PROBE_KINDS = [
  'dns-router',
  'dns4-direct',
  'dns6-direct',
  'icmp4',
  'icmp6',
  'tcp4',
  'tcp4-dns',
  'tcp6',
  'udp4',
  'udp6',
] as const;

/** Every probe kind made attempts on every device: a leak test whose probes did not run would prove nothing. */
export function assertProbesRan(t: ExecutionContext, reports: readonly ProbeReport[]): void {
  for (const [index, report] of reports.entries()) {
    const idle = PROBE_KINDS.filter((kind) => (report[kind]?.attempts ?? 0) === 0);
    t.deepEqual(idle, [], `device ${index + 1}: every kind of probe made attempts`);
  }
}

export async function countWan(capture: Capture): Promise<WanCounts> {
  const filters = wanFilters(capture);
  const entries = await Promise.all(
    (Object.keys(filters) as WanKind[]).map(async (kind) => [kind, await capture.count(filters[kind])]),
  );
  return Object.fromEntries(entries) as WanCounts;
}

/** Zero LAN-addressed packets, zero plaintext DNS, nothing but the tunnel and link control on the WAN. */
export async function assertNoLeaks(t: ExecutionContext, capture: Capture, what: string): Promise<WanCounts> {
  const counts = await countWan(capture);
  t.log(`${what}: WAN packets ${JSON.stringify(counts)}`);
  for (const kind of ['lanAddresses', 'plaintextDns', 'other', 'web'] as const) {
    if (counts[kind] !== 0) {
      const { sample } = await capture.describe(wanFilters(capture)[kind]);
      t.is(counts[kind], 0, `${what}: ${counts[kind]} ${kind} packet(s) on the WAN:\n${sample}`);
    } else {
      t.pass();
    }
  }
  return counts;
}
