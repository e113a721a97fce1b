// Bringing the network stack to its targets (network-targets.ts) idempotently: read what is there with `ip -j`,
// plan the difference purely as ip(8) batch lines, apply them with `ip -force -batch -`, read back, and repeat
// until nothing is left to do (a change can undo another: deleting a primary IPv4 address deletes the secondaries
// of its subnet, removing an interface's last address flushes its routes).
//
// What Burrow owns, and so removes when it is not a target: every route of table 51820, every rule at
// priorities 1000-1099, and the global addresses of the LAN bridge, the tunnel and remote access (wg1). Everything else
// (the main table, other rules, the WAN's addresses, link-local addresses) is never touched.
//
// An interface that does not exist yet (the TUN appears only while the engine runs, a LAN port may be unplugged)
// does not fail the apply: its addresses and routes are skipped and reported as pending, with the interface in
// `missingInterfaces`, and the caller applies again when it appears. The bridge itself is created when missing.
//
// Order inside a plan, so that LAN lookups never find table 51820 empty while a rule sends them there:
//   1. links (create the bridge, enslave ports, tunnel MTU, up), 2. addresses (stale ones first, so a new address
//   in an old subnet does not become a secondary that leaves with the old primary), 3. routes that take a free
//   slot, 4. rules (each priority rewritten whole when it differs: a rule can only be deleted by a selector that
//   would also match rules meant to stay), 5. stale routes deleted, and routes whose slot they held added.
// ip(8) reads every rule line of a batch as IPv4 unless started with -6, so IPv6 rules run in their own
// `ip -6 -force -batch -` between steps 4 and 5: at most three processes, usually one.
import { IP_PATH, ExecError, type Executor } from './exec.js';
import {
  readNetworkState,
  type LinkState,
  type NetworkState,
  type RouteState,
  type RuleState,
} from './netlink-state.js';
import {
  OWNED_RULE_PRIORITIES,
  type AddressTarget,
  type NetworkTargets,
  type RouteTarget,
  type RuleTarget,
} from './network-targets.js';

export {
  readNetworkState,
  NetlinkError,
  type NetworkState,
  type LinkState,
  type AddressState,
  type RouteState,
  type RuleState,
} from './netlink-state.js';

/** Plan lines for `ip -6 -batch -` start with this; the others go to `ip -batch -`. */
export const IPV6_BATCH_PREFIX = '-6 ';
const APPLY_TIMEOUT_MS = 15_000;
/** Passes before giving up: one usually converges, a second repairs what the first undid. */
const MAX_PASSES = 3;

export interface PendingTargets {
  readonly addresses: readonly AddressTarget[];
  readonly routes: readonly RouteTarget[];
}

export interface NetworkPlan {
  /** ip(8) batch lines in order; IPv6 rule lines start with "-6 ". Empty: the stack is at its targets. */
  readonly commands: readonly string[];
  /** Interfaces the targets name that do not exist (LAN ports, the tunnel), in target order. */
  readonly missingInterfaces: readonly string[];
  /** What waits for a missing interface. */
  readonly pending: PendingTargets;
}

export interface NetworkApplyResult {
  /** The lines that ran without error, over all passes; empty when nothing needed changing. */
  readonly changes: readonly string[];
  readonly missingInterfaces: readonly string[];
  readonly pending: PendingTargets;
  /** The state read back after the last pass: at its targets, except for what is pending. */
  readonly state: NetworkState;
}

export class NetworkApplyError extends Error {
  override readonly name = 'NetworkApplyError';

  constructor(
    message: string,
    /** What still differs from the targets after the last pass. */
    readonly remaining: readonly string[],
    /** ip's own words for each failed line, as "line: error". */
    readonly failures: readonly string[],
  ) {
    super(message);
  }
}

/** The ip(8) batch lines that take `current` to `targets`, touching only what Burrow owns. Pure. */
export function planNetworkChanges(current: NetworkState, targets: NetworkTargets): NetworkPlan {
  const links = new Map(current.links.map((link) => [link.name, link]));
  const missing = new Set<string>();
  const linkCommands = planLinks(targets, links, missing);
  const exists = (dev: string) => !missing.has(dev);
  const pending: PendingTargets = {
    addresses: targets.addresses.filter((address) => !exists(address.dev)),
    routes: targets.routes.filter((route) => route.dev !== undefined && !exists(route.dev)),
  };
  const routes = planRoutes(
    current.routes,
    targets.routes.filter((route) => route.dev === undefined || exists(route.dev)),
  );
  const rules = planRules(current.rules, targets.rules);
  return {
    commands: [
      ...linkCommands,
      ...planAddresses(current, targets, exists),
      ...routes.early,
      ...rules.ipv4,
      ...rules.ipv6.map((line) => `${IPV6_BATCH_PREFIX}${line}`),
      ...routes.late,
    ],
    missingInterfaces: [...missing],
    pending,
  };
}

/**
 * Reads, plans and applies until the stack is at `targets` (except what waits for a missing interface), then
 * returns what changed. Applying the same targets again changes nothing. Throws NetworkApplyError with ip's
 * errors when it cannot get there.
 */
export async function applyNetworkTargets(executor: Executor, targets: NetworkTargets): Promise<NetworkApplyResult> {
  const changes: string[] = [];
  let failures: string[] = [];
  for (let pass = 0; ; pass++) {
    const state = await readNetworkState(executor);
    const plan = planNetworkChanges(state, targets);
    if (plan.commands.length === 0) {
      return { changes, missingInterfaces: plan.missingInterfaces, pending: plan.pending, state };
    }
    if (pass === MAX_PASSES) {
      const detail = failures.length === 0 ? '' : `; ip reported: ${failures.join('; ')}`;
      throw new NetworkApplyError(
        `the network did not reach its targets after ${MAX_PASSES} passes; still to do: ${plan.commands.join('; ')}${detail}`,
        plan.commands,
        failures,
      );
    }
    failures = [];
    for (const batch of batches(plan.commands)) {
      const result = await runBatch(executor, batch);
      changes.push(...result.succeeded);
      failures.push(...result.failures);
    }
  }
}

function planLinks(targets: NetworkTargets, links: ReadonlyMap<string, LinkState>, missing: Set<string>): string[] {
  const commands: string[] = [];
  const { bridge, ports, tunnel } = targets.links;
  if (bridge !== null) {
    const link = links.get(bridge.name);
    if (link === undefined) {
      commands.push(`link add ${bridge.name} address ${bridge.address} type bridge`);
    } else if (link.kind === 'bridge' && link.address !== undefined && link.address !== bridge.address) {
      commands.push(`link set dev ${bridge.name} address ${bridge.address}`);
    }
    if (link !== undefined && ports.length > 0 && link.kind !== 'bridge') {
      throw new NetworkApplyError(
        `${bridge.name} exists but is ${link.kind === null ? 'not a bridge' : `a ${link.kind}, not a bridge`}: the LAN ports cannot join it`,
        [],
        [],
      );
    }
    if (link?.up !== true) {
      commands.push(`link set dev ${bridge.name} up`);
    }
  }
  for (const port of ports) {
    const link = links.get(port);
    if (link === undefined) {
      missing.add(port);
      continue;
    }
    const changes = [
      ...(bridge !== null && link.master !== bridge.name ? [`master ${bridge.name}`] : []),
      ...(link.up ? [] : ['up']),
    ];
    if (changes.length > 0) {
      commands.push(`link set dev ${port} ${changes.join(' ')}`);
    }
  }
  // The engines' TUN interfaces (the tunnel, and remote access's): they create them; Burrow sets MTU and up.
  for (const engineLink of [tunnel, targets.links.remote ?? null]) {
    if (engineLink === null) {
      continue;
    }
    const link = links.get(engineLink.name);
    if (link === undefined) {
      missing.add(engineLink.name);
    } else {
      const changes = [...(link.mtu === engineLink.mtu ? [] : [`mtu ${engineLink.mtu}`]), ...(link.up ? [] : ['up'])];
      if (changes.length > 0) {
        commands.push(`link set dev ${engineLink.name} ${changes.join(' ')}`);
      }
    }
  }
  return commands;
}

function planAddresses(current: NetworkState, targets: NetworkTargets, exists: (dev: string) => boolean): string[] {
  const owned = [targets.links.bridge?.name, targets.links.tunnel?.name, targets.links.remote?.name].filter(
    (name): name is string => name !== undefined && exists(name),
  );
  const key = (address: { dev: string; cidr: string }) => `${address.dev} ${address.cidr}`;
  const wanted = targets.addresses.filter((address) => exists(address.dev));
  const wantedKeys = new Set(wanted.map(key));
  // Link- and host-scope addresses belong to the kernel (IPv6 link-local): never Burrow's to remove.
  const present = current.addresses.filter(
    (address) => owned.includes(address.dev) && address.scope !== 'link' && address.scope !== 'host',
  );
  const presentKeys = new Set(present.map(key));
  return [
    ...present
      .filter((address) => !wantedKeys.has(key(address)))
      .map((address) => `address del ${address.cidr} dev ${address.dev}`),
    ...wanted
      .filter((address) => !presentKeys.has(key(address)))
      .map((address) => `address add ${address.cidr} dev ${address.dev}`),
  ];
}

/**
 * Routes are grouped by the slot the kernel keys them on (family, destination, TOS, metric, source): a route
 * cannot be added to a taken slot. A slot whose routes differ from its targets is emptied and refilled late; a
 * free slot is filled early, so a table being rewritten always keeps the routes it had until the new ones exist.
 */
function planRoutes(
  current: readonly RouteState[],
  targets: readonly RouteTarget[],
): { early: string[]; late: string[] } {
  const slot = (route: { family: number; destination: string; metric: number; tos?: string; source?: string }) =>
    `${route.family} ${route.destination} ${route.tos ?? ''} ${route.metric} ${route.source ?? ''}`;
  const slots = new Map<string, { current: RouteState[]; targets: RouteTarget[] }>();
  const entry = (key: string) => slots.get(key) ?? slots.set(key, { current: [], targets: [] }).get(key)!;
  current.forEach((route) => entry(slot(route)).current.push(route));
  targets.forEach((route) => entry(slot(route)).targets.push(route));
  const early: string[] = [];
  const late: string[] = [];
  for (const { current: present, targets: wanted } of slots.values()) {
    if (sameMultiset(present, wanted, routeMatches)) {
      continue;
    }
    if (present.length === 0) {
      early.push(...wanted.map(addRoute));
    } else {
      late.push(...present.map(deleteRoute), ...wanted.map(addRoute));
    }
  }
  return { early, late };
}

function routeMatches(route: RouteState, target: RouteTarget): boolean {
  return (
    route.table === target.table &&
    route.family === target.family &&
    route.type === target.type &&
    route.destination === target.destination &&
    route.metric === target.metric &&
    // An unreachable route has no interface (IPv6 shows lo).
    (target.type !== 'unicast' || route.dev === target.dev) &&
    route.tos === undefined &&
    route.source === undefined &&
    route.extra.length === 0
  );
}

function addRoute(route: RouteTarget): string {
  const dev = route.dev === undefined ? '' : ` dev ${route.dev}`;
  return `route add table ${route.table} ${route.type} ${route.destination}${dev} metric ${route.metric}`;
}

/** By slot and type: without a next hop, the kernel deletes the first route of that type in the slot. */
function deleteRoute(route: RouteState): string {
  const type = route.type.startsWith('type ') ? '' : ` ${route.type}`;
  const source = route.source === undefined ? '' : ` from ${route.source}`;
  const tos = route.tos === undefined ? '' : ` tos ${route.tos}`;
  return `route del table ${route.table}${type} ${route.destination}${source}${tos} metric ${route.metric}`;
}

/** Rules at Burrow's priorities, per family and priority: a priority whose rules differ is rewritten whole. */
function planRules(current: readonly RuleState[], targets: readonly RuleTarget[]): { ipv4: string[]; ipv6: string[] } {
  const owned = (priority: number) => priority >= OWNED_RULE_PRIORITIES.first && priority <= OWNED_RULE_PRIORITIES.last;
  const groups = new Map<string, { family: number; current: RuleState[]; targets: RuleTarget[] }>();
  const entry = (family: number, priority: number) => {
    const key = `${family} ${priority}`;
    return groups.get(key) ?? groups.set(key, { family, current: [], targets: [] }).get(key)!;
  };
  current
    .filter((rule) => owned(rule.priority))
    .forEach((rule) => entry(rule.family, rule.priority).current.push(rule));
  targets.forEach((rule) => entry(rule.family, rule.priority).targets.push(rule));
  const result = { ipv4: [] as string[], ipv6: [] as string[] };
  for (const group of groups.values()) {
    if (!sameMultiset(group.current, group.targets, ruleMatches)) {
      (group.family === 4 ? result.ipv4 : result.ipv6).push(
        ...group.current.map((rule) => `rule del priority ${rule.priority}`),
        ...group.targets.map(addRule),
      );
    }
  }
  return result;
}

function ruleMatches(rule: RuleState, target: RuleTarget): boolean {
  return (
    rule.family === target.family &&
    rule.priority === target.priority &&
    (target.table === 'unreachable'
      ? rule.action === 'unreachable' && rule.table === undefined
      : rule.action === 'lookup' && rule.table === target.table) &&
    rule.iif === target.iif &&
    rule.to === target.to &&
    rule.from === target.from &&
    rule.fwmark === target.fwmark &&
    (rule.fwmask === undefined || rule.fwmask === 0xffffffff) &&
    rule.oif === undefined &&
    rule.extra.length === 0
  );
}

function addRule(rule: RuleTarget): string {
  const selector = [
    ...(rule.iif === undefined ? [] : [`iif ${rule.iif}`]),
    ...(rule.from === undefined ? [] : [`from ${rule.from}`]),
    ...(rule.to === undefined ? [] : [`to ${rule.to}`]),
    ...(rule.fwmark === undefined ? [] : [`fwmark 0x${rule.fwmark.toString(16)}`]),
  ];
  const action = rule.table === 'unreachable' ? ['unreachable'] : ['lookup', String(rule.table)];
  return ['rule add priority', String(rule.priority), ...selector, ...action].join(' ');
}

/** Whether every item has its own partner and no partner is left over. */
function sameMultiset<A, B>(items: readonly A[], partners: readonly B[], matches: (a: A, b: B) => boolean): boolean {
  if (items.length !== partners.length) {
    return false;
  }
  const left = [...partners];
  return items.every((item) => {
    const index = left.findIndex((partner) => matches(item, partner));
    return index !== -1 && left.splice(index, 1).length === 1;
  });
}

interface Batch {
  readonly ipv6: boolean;
  readonly lines: string[];
}

/** Consecutive lines for the same ip(8) invocation. */
function batches(commands: readonly string[]): Batch[] {
  const result: Batch[] = [];
  for (const command of commands) {
    const ipv6 = command.startsWith(IPV6_BATCH_PREFIX);
    const line = ipv6 ? command.slice(IPV6_BATCH_PREFIX.length) : command;
    const last = result.at(-1);
    if (last?.ipv6 === ipv6) {
      last.lines.push(line);
    } else {
      result.push({ ipv6, lines: [line] });
    }
  }
  return result;
}

/**
 * One `ip [-6] -force -batch -`: -force runs every line even when one fails (an interface that vanished between
 * the read and the apply must not leave the rules unapplied); ip names each failed line ("Command failed -:N"),
 * which tells the lines that ran from those that did not.
 */
async function runBatch(executor: Executor, batch: Batch): Promise<{ succeeded: string[]; failures: string[] }> {
  const prefix = batch.ipv6 ? IPV6_BATCH_PREFIX : '';
  const argv = [IP_PATH, ...(batch.ipv6 ? ['-6'] : []), '-force', '-batch', '-'];
  const input = `${batch.lines.join('\n')}\n`;
  try {
    await executor.run(argv, { input, inputIsPublic: true, timeoutMs: APPLY_TIMEOUT_MS });
    return { succeeded: batch.lines.map((line) => `${prefix}${line}`), failures: [] };
  } catch (error) {
    if (!(error instanceof ExecError) || error.failure !== 'exit') {
      throw error;
    }
    const failed = new Map<number, string>();
    let messages: string[] = [];
    for (const line of error.stderr.split('\n')) {
      const match = /^Command failed -:(\d+)$/.exec(line.trim());
      if (match) {
        failed.set(Number(match[1]) - 1, messages.join(' ') || 'failed');
        messages = [];
      } else if (line.trim() !== '') {
        messages.push(line.trim());
      }
    }
    if (failed.size === 0) {
      // Not a line's failure: ip itself could not run the batch.
      throw error;
    }
    return {
      succeeded: batch.lines.filter((_, index) => !failed.has(index)).map((line) => `${prefix}${line}`),
      failures: [...failed].map(([index, message]) => `${prefix}${batch.lines[index] ?? '?'}: ${message}`),
    };
  }
}
