// The leak probe: proof from outside the router's own rules that nothing of the LAN leaks. Where the no-bypass
// check asks the routing table, this sends real packets, from a LAN address, as if the tunnel were gone:
//   1. a throwaway network namespace with a veth pair; the router's end (bleak0) joins the LAN bridge, the probe's
//      end gets a free LAN address (not the router's, not in the DHCP range, not leased, not a known neighbour)
//      and a default route via the router
//   2. ip rule 990 `from <probe> lookup main`, below Burrow's owned range (1000-1099, which the reconciler would
//      clear), takes table 51820 out of consideration: the kernel routes the probe to the WAN's default, exactly
//      as LAN traffic would go with the tunnel's route removed
//   3. a table of its own, `inet burrow_leakprobe` (never `inet burrow`: the ruleset check's fingerprint stays
//      valid), counts the probe's packets arriving from the LAN bridge (prerouting) and leaving through the WAN
//      (postrouting at filter priority, before masquerading rewrites the source), matched by source and a random
//      UDP port. A probe packet that gets that far has passed every decision of the kill switch and would leave:
//      the table counts it as leaked and then drops it, so the probe itself never puts a packet on the WAN
//   4. a few UDP datagrams from inside the namespace (`ip netns exec NS node leak-probe-sender.js`)
//   5. pass when they arrived and none left; fail when any left (the kill switch let them out) or none arrived
//      (the probe proved nothing); everything of steps 1-3 is removed whatever happened
// Needs CAP_SYS_ADMIN (creating and entering a network namespace) besides CAP_NET_ADMIN: the image's burrowd
// unit must grant both, or this check fails saying why.
import { randomInt } from 'node:crypto';
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type DesiredState } from './desired-state.js';
import { type Executor, IP_PATH } from '../os/exec.js';
import { NFT_PATH } from '../os/nft-apply.js';
import { formatIp, parseIp, parseIpPrefix } from '../net/ip.js';
import { readNeighbours } from '../os/lan-neighbours.js';

export const LEAK_PROBE_RULE_PRIORITY = 990;
export const LEAK_PROBE_TABLE = 'burrow_leakprobe';
/** The router's end of the veth pair (bprobe0 is the failover probe engine's). */
export const LEAK_PROBE_LINK = 'bleak0';
/**
 * The MAC of the router's end: the highest unicast, locally administered address. A Linux bridge whose address was
 * never set takes the lowest of its ports' addresses; a probe port with a lower one would change the LAN bridge's
 * address for as long as the probe runs, and devices that learned it then would lose the router when it goes.
 */
export const LEAK_PROBE_LINK_MAC = 'fe:ff:ff:ff:ff:fe';
/**
 * The MAC of the probe's end, fixed so the router's own probe is never taken for a household device (the Devices
 * page leaves it out) and a run never leaves a new one in the neighbour table.
 */
export const LEAK_PROBE_DEVICE_MAC = 'fe:ff:ff:ff:ff:fd';
/** The probe's end, inside its namespace. */
const PROBE_DEVICE = 'eth0';
const NAMESPACE_PREFIX = 'burrow-leakprobe';
/** A documentation address: with the kill switch off the probe really goes there, and nowhere routes it. */
export const LEAK_PROBE_TARGET = '203.0.113.250';
export const LEAK_PROBE_DATAGRAMS = 5;
const SENDER_TIMEOUT_MS = 10_000;
const SENDER_PATH = fileURLToPath(new URL('./leak-probe-sender.js', import.meta.url));

export interface LeakProbeResult {
  readonly name: 'leak-probe';
  readonly pass: boolean;
  readonly details: string;
}

export interface LeakProbeInput {
  readonly executor: Executor;
  readonly state: DesiredState | null;
  /** Addresses in use on the LAN besides the DHCP range (leases, e.g. static ones outside it). */
  readonly leased: readonly string[];
  /** The node binary that runs the sender (default: this one). */
  readonly nodePath?: string;
}

/**
 * The namespace's name: fixed per burrowd network namespace (its inode), so a probe left over by a crash is found
 * and removed at the next start, and labs running side by side on one machine never share one.
 */
export function leakProbeNamespace(): string {
  return `${NAMESPACE_PREFIX}-${statSync('/proc/self/ns/net').ino}`;
}

/**
 * A free IPv4 address for the probe in the LAN's prefix, from the top down: not the network or broadcast address,
 * not the router's, not in the DHCP range, not in `taken`. Null when there is none.
 */
export function pickProbeAddress(
  lanAddress: string,
  dhcp: { readonly rangeStart: string; readonly rangeEnd: string },
  taken: readonly string[],
): string | null {
  const prefix = parseIpPrefix(lanAddress);
  if (prefix === null || prefix.family !== 4 || prefix.cidr > 30) {
    return null;
  }
  const toNumber = (bytes: Uint8Array) => ((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0;
  const host = toNumber(prefix.bytes);
  const size = 2 ** (32 - prefix.cidr);
  const network = host - (host % size);
  const start = toNumber(parseIp(dhcp.rangeStart) ?? new Uint8Array(4));
  const end = toNumber(parseIp(dhcp.rangeEnd) ?? new Uint8Array(4));
  const busy = new Set(taken.map((address) => parseIp(address)).flatMap((bytes) => (bytes ? [toNumber(bytes)] : [])));
  for (let candidate = network + size - 2; candidate > network; candidate--) {
    if (candidate !== host && (candidate < start || candidate > end) && !busy.has(candidate)) {
      return formatIp(
        new Uint8Array([candidate >>> 24, (candidate >>> 16) & 0xff, (candidate >>> 8) & 0xff, candidate & 0xff]),
      );
    }
  }
  return null;
}

export interface ProbeTableInput {
  readonly lan: string;
  readonly wan: string;
  readonly source: string;
  readonly port: number;
}

/**
 * The counting table, whole: `nft -f -` input. It decides nothing for other packets (accept policies); the probe's
 * own packets are dropped once counted at the WAN's last hook, so a leak found is never a leak made.
 */
export function renderProbeTable({ lan, wan, source, port }: ProbeTableInput): string {
  const match = `ip saddr ${source} udp dport ${port}`;
  return [
    `table inet ${LEAK_PROBE_TABLE} {`,
    '\tchain prerouting {',
    '\t\ttype filter hook prerouting priority raw; policy accept;',
    `\t\tiifname "${lan}" ${match} counter comment "arrived"`,
    '\t}',
    '\tchain postrouting {',
    '\t\ttype filter hook postrouting priority filter; policy accept;',
    `\t\toifname "${wan}" ${match} counter drop comment "left"`,
    '\t}',
    '}',
    '',
  ].join('\n');
}

/** The two counters from `nft list table inet burrow_leakprobe`; null when either is missing. */
export function parseProbeCounters(listing: string): { arrived: number; left: number } | null {
  const counts = new Map<string, number>();
  for (const match of listing.matchAll(/counter packets (\d+) bytes \d+ (?:drop )?comment "(arrived|left)"/g)) {
    counts.set(match[2]!, Number(match[1]));
  }
  const arrived = counts.get('arrived');
  const left = counts.get('left');
  return arrived === undefined || left === undefined ? null : { arrived, left };
}

/** The verdict on the counts. */
export function judgeProbe(counts: { arrived: number; left: number }, sent: number, wan: string): LeakProbeResult {
  if (counts.left > 0) {
    return {
      name: 'leak-probe',
      pass: false,
      details: `a LAN packet left through ${wan}: ${counts.left} of ${counts.arrived} probe packets from a LAN address, routed as if the tunnel were gone, got past the kill switch (the probe stopped its own at the last hook)`,
    };
  }
  if (counts.arrived === 0) {
    return {
      name: 'leak-probe',
      pass: false,
      details: `none of the ${sent} probe packets reached the router from the LAN, so the probe proves nothing`,
    };
  }
  return {
    name: 'leak-probe',
    pass: true,
    details: `${counts.arrived} packets from a LAN address, routed to the WAN as if the tunnel were gone, were all dropped`,
  };
}

/** Removes whatever a probe left (namespace, veth, rule, table); what is already gone is fine. */
export async function removeLeakProbe(executor: Executor, namespace: string = leakProbeNamespace()): Promise<void> {
  const absentIsFine = { okExitCodes: [1, 2, 255] };
  await executor.run([IP_PATH, 'netns', 'delete', namespace], absentIsFine);
  await executor.run([IP_PATH, 'link', 'delete', 'dev', LEAK_PROBE_LINK], absentIsFine);
  // One rule per run; a second one at the priority would only be left by a run that crashed twice.
  for (let attempt = 0; attempt < 4; attempt++) {
    const { code } = await executor.run(
      [IP_PATH, 'rule', 'delete', 'priority', `${LEAK_PROBE_RULE_PRIORITY}`],
      absentIsFine,
    );
    if (code !== 0) {
      break;
    }
  }
  await executor.run([NFT_PATH, 'delete', 'table', 'inet', LEAK_PROBE_TABLE], absentIsFine);
}

/** IPv4 neighbours the router knows on the LAN: addresses a device may hold without a lease. */
async function lanNeighbours(executor: Executor, lan: string): Promise<string[]> {
  return (await readNeighbours(executor, lan)).flatMap((neighbour) =>
    neighbour.ip.includes(':') ? [] : [neighbour.ip],
  );
}

let running: Promise<unknown> = Promise.resolve();

/** Runs one probe; probes run one at a time (they share the names). A probe that cannot run fails, saying why. */
export function runLeakProbe(input: LeakProbeInput): Promise<LeakProbeResult> {
  const result = running.then(() => probe(input));
  running = result.catch(() => undefined);
  return result;
}

async function probe(input: LeakProbeInput): Promise<LeakProbeResult> {
  const { executor, state } = input;
  if (state === null) {
    return { name: 'leak-probe', pass: false, details: 'no desired state is applied' };
  }
  const lan = state.lan.interface;
  const wan = state.wan.interface;
  const namespace = leakProbeNamespace();
  await removeLeakProbe(executor, namespace);
  try {
    const source = pickProbeAddress(state.lan.address, state.lan.dhcp, [
      ...input.leased,
      ...(await lanNeighbours(executor, lan)),
    ]);
    if (source === null) {
      return { name: 'leak-probe', pass: false, details: 'no free LAN address for the probe outside the DHCP range' };
    }
    const [router, length] = state.lan.address.split('/') as [string, string];
    const port = 49152 + randomInt(16384);
    const ip = (...args: string[]) => executor.run([IP_PATH, ...args]);
    const inside = (...args: string[]) => executor.run([IP_PATH, '-n', namespace, ...args]);
    await ip('netns', 'add', namespace);
    await ip(
      ...['link', 'add', LEAK_PROBE_LINK, 'address', LEAK_PROBE_LINK_MAC, 'type', 'veth'],
      ...['peer', 'name', PROBE_DEVICE, 'address', LEAK_PROBE_DEVICE_MAC, 'netns', namespace],
    );
    // No IPv6 link-local address: the probe sends nothing but its datagrams (and ARP).
    await inside('link', 'set', 'dev', PROBE_DEVICE, 'addrgenmode', 'none');
    await ip('link', 'set', 'dev', LEAK_PROBE_LINK, 'addrgenmode', 'none');
    await ip('link', 'set', 'dev', LEAK_PROBE_LINK, 'master', lan, 'up');
    await inside('address', 'add', `${source}/${length}`, 'dev', PROBE_DEVICE);
    await inside('link', 'set', 'dev', PROBE_DEVICE, 'up');
    await inside('route', 'add', 'default', 'via', router, 'dev', PROBE_DEVICE);
    await executor.run([NFT_PATH, '-f', '-'], {
      input: renderProbeTable({ lan, wan, source, port }),
      inputIsPublic: true,
    });
    await ip('rule', 'add', 'priority', `${LEAK_PROBE_RULE_PRIORITY}`, 'from', `${source}/32`, 'lookup', 'main');
    await executor.run(
      [
        IP_PATH,
        'netns',
        'exec',
        namespace,
        input.nodePath ?? process.execPath,
        SENDER_PATH,
        '--to',
        LEAK_PROBE_TARGET,
        '--port',
        `${port}`,
        '--count',
        `${LEAK_PROBE_DATAGRAMS}`,
      ],
      { timeoutMs: SENDER_TIMEOUT_MS },
    );
    const { stdout } = await executor.run([NFT_PATH, 'list', 'table', 'inet', LEAK_PROBE_TABLE]);
    const counts = parseProbeCounters(stdout);
    if (counts === null) {
      return { name: 'leak-probe', pass: false, details: 'the probe counters could not be read back' };
    }
    return judgeProbe(counts, LEAK_PROBE_DATAGRAMS, wan);
  } finally {
    await removeLeakProbe(executor, namespace);
  }
}
