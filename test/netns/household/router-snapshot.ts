// What an apply could change in the router, read back for before/after comparisons: the kill-switch table (its
// fingerprint and its rules, without counter values), Burrow's routing table and the policy rules, and the
// engine's peer as wg(8) shows it (without its traffic counters).
import { LEAK_PROBE_RULE_PRIORITY } from '@burrow/firmware/control/leak-probe';
import { rulesetFingerprint } from '@burrow/firmware/os/nft-ruleset';
import { type Household } from '@burrow/scripts/lab/household';
import { TOOLS } from '@burrow/scripts/lab/tools';

export interface RouterSnapshot {
  readonly fingerprint: string | null;
  readonly table: string;
  readonly routes4: unknown;
  readonly routes6: unknown;
  readonly rules4: unknown;
  readonly rules6: unknown;
  readonly peer: PeerDump;
}

/** The peer line of `wg show IFACE dump`, without the counters that traffic changes. */
export interface PeerDump {
  readonly publicKey: string;
  readonly endpoint: string;
  readonly allowedIps: string;
  readonly latestHandshake: number;
  readonly persistentKeepalive: string;
}

function peerOf(dump: string): PeerDump {
  // Line 1 is the interface; each further line a peer: key, psk, endpoint, allowed ips, handshake, rx, tx, keepalive.
  const [, line] = dump.trim().split('\n');
  const fields = line?.split('\t') ?? [];
  if (fields.length < 8) {
    throw new Error(`wg show dump has no peer:\n${dump}`);
  }
  return {
    publicKey: fields[0]!,
    endpoint: fields[2]!,
    allowedIps: fields[3]!,
    latestHandshake: Number(fields[4]),
    persistentKeepalive: fields[7]!,
  };
}

function withoutLeakProbe(rules: unknown): unknown {
  return Array.isArray(rules)
    ? rules.filter((rule) => (rule as { priority?: number }).priority !== LEAK_PROBE_RULE_PRIORITY)
    : rules;
}

export async function routerSnapshot(lab: Household, router: string, tunnelInterface: string): Promise<RouterSnapshot> {
  const inRouter = async (argv: readonly string[]) => (await lab.exec(router, argv)).stdout;
  const json = async (argv: readonly string[]) => JSON.parse(await inRouter(argv)) as unknown;
  // -s: without counter values, which traffic changes between two listings.
  const table = await inRouter([TOOLS.nft, '-s', 'list', 'table', 'inet', 'burrow']);
  return {
    fingerprint: rulesetFingerprint(table),
    table,
    routes4: await json([TOOLS.ip, '-j', '-4', 'route', 'show', 'table', '51820']),
    routes6: await json([TOOLS.ip, '-j', '-6', 'route', 'show', 'table', '51820']),
    // burrowd's leak probe (run by itself after a change) holds rule 990 for a second or two: not the apply's doing.
    rules4: withoutLeakProbe(await json([TOOLS.ip, '-j', '-4', 'rule'])),
    rules6: await json([TOOLS.ip, '-j', '-6', 'rule']),
    peer: peerOf(await inRouter([TOOLS.wg, 'show', tunnelInterface, 'dump'])),
  };
}
