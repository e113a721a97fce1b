// planNetworkChanges as a table: states as readNetworkState parses them, targets as renderNetworkTargets renders
// them, and the exact ip(8) batch lines in between. netlink.test.ts runs the same against the kernel.
import test from 'ava';
import {
  NetworkApplyError,
  planNetworkChanges,
  type NetworkState,
  type RouteState,
  type RuleState,
} from './netlink.js';
import { renderNetworkTargets } from './network-targets.js';
import { labTargets } from './testing/lab-targets.js';
import { bridgeAddress } from './network-targets.js';

const BRIDGE_MAC = bridgeAddress('br-lan', '100.64.8.1/24');

const KERNEL_RULES: RuleState[] = [
  { family: 4, priority: 0, table: 255, action: 'lookup', extra: [] },
  { family: 4, priority: 32766, table: 254, action: 'lookup', extra: [] },
  { family: 4, priority: 32767, table: 253, action: 'lookup', extra: [] },
  { family: 6, priority: 0, table: 255, action: 'lookup', extra: [] },
  { family: 6, priority: 32766, table: 254, action: 'lookup', extra: [] },
];

/** A router before burrowd: WAN up with its address, a LAN port and the engine's fresh TUN, nothing else. */
const FRESH: NetworkState = {
  links: [
    { name: 'lo', kind: null, master: null, mtu: 65536, up: true },
    { name: 'eth0', kind: 'veth', master: null, mtu: 1500, up: true },
    { name: 'lan0', kind: 'veth', master: null, mtu: 1500, up: false },
    { name: 'wg0', kind: 'tun', master: null, mtu: 1500, up: false },
  ],
  addresses: [
    { dev: 'lo', family: 4, cidr: '127.0.0.1/8', scope: 'host' },
    { dev: 'eth0', family: 4, cidr: '198.51.100.2/24', scope: 'global' },
  ],
  routes: [],
  rules: KERNEL_RULES,
};

const route = (fields: Partial<RouteState> & Pick<RouteState, 'family' | 'type' | 'destination' | 'metric'>) => ({
  table: 51820,
  extra: [],
  ...fields,
});
const rule = (fields: Partial<RuleState> & Pick<RuleState, 'family' | 'priority'>): RuleState => ({
  action: 'lookup',
  extra: [],
  ...fields,
});

/** The same router at its targets, as the kernel lists it. */
const APPLIED: NetworkState = {
  links: [
    { name: 'lo', kind: null, master: null, mtu: 65536, up: true },
    { name: 'eth0', kind: 'veth', master: null, mtu: 1500, up: true },
    { name: 'lan0', kind: 'veth', master: 'br-lan', mtu: 1500, up: true },
    { name: 'wg0', kind: 'tun', master: null, mtu: 1420, up: true },
    { name: 'br-lan', kind: 'bridge', master: null, mtu: 1500, up: true },
  ],
  addresses: [
    ...FRESH.addresses,
    { dev: 'br-lan', family: 4, cidr: '100.64.8.1/24', scope: 'global' },
    { dev: 'br-lan', family: 6, cidr: 'fd08::1/64', scope: 'global' },
    { dev: 'br-lan', family: 6, cidr: 'fe80::1c2f:aaff:fe00:1/64', scope: 'link' },
    { dev: 'wg0', family: 4, cidr: '100.96.0.2/32', scope: 'global' },
    { dev: 'wg0', family: 6, cidr: 'fd96::2/128', scope: 'global' },
  ],
  routes: [
    route({ family: 4, type: 'unicast', destination: '0.0.0.0/0', dev: 'wg0', metric: 0 }),
    route({ family: 4, type: 'unreachable', destination: '0.0.0.0/0', metric: 4278198272 }),
    route({ family: 6, type: 'unicast', destination: '::/0', dev: 'wg0', metric: 1024 }),
    route({ family: 6, type: 'unreachable', destination: '::/0', dev: 'lo', metric: 4278198272 }),
    route({ family: 4, type: 'unicast', destination: '100.96.0.1/32', dev: 'wg0', metric: 0 }),
    route({ family: 4, type: 'unreachable', destination: '100.96.0.1/32', metric: 4278198272 }),
  ],
  rules: [
    KERNEL_RULES[0]!,
    rule({ family: 4, priority: 1000, iif: 'br-lan', table: 51820 }),
    rule({ family: 4, priority: 1001, fwmark: 0xca6c, table: 254 }),
    rule({ family: 4, priority: 1002, to: '100.96.0.1/32', table: 51820 }),
    rule({ family: 4, priority: 1003, from: '100.96.0.2/32', table: 51820 }),
    rule({ family: 4, priority: 1004, from: '100.96.0.2/32', action: 'unreachable' }),
    ...KERNEL_RULES.slice(1, 4),
    rule({ family: 6, priority: 1000, iif: 'br-lan', table: 51820 }),
    rule({ family: 6, priority: 1001, fwmark: 0xca6c, table: 254 }),
    rule({ family: 6, priority: 1003, from: 'fd96::2/128', table: 51820 }),
    rule({ family: 6, priority: 1004, from: 'fd96::2/128', action: 'unreachable' }),
    KERNEL_RULES[4]!,
  ],
};

test('a fresh router: links first, then addresses, routes, IPv4 rules, and IPv6 rules in their own batch', (t) => {
  const plan = planNetworkChanges(FRESH, labTargets());
  t.deepEqual(plan.commands, [
    `link add br-lan address ${BRIDGE_MAC} type bridge`,
    'link set dev br-lan up',
    'link set dev lan0 master br-lan up',
    'link set dev wg0 mtu 1420 up',
    'address add 100.64.8.1/24 dev br-lan',
    'address add fd08::1/64 dev br-lan',
    'address add 100.96.0.2/32 dev wg0',
    'address add fd96::2/128 dev wg0',
    'route add table 51820 unicast 0.0.0.0/0 dev wg0 metric 0',
    'route add table 51820 unreachable 0.0.0.0/0 metric 4278198272',
    'route add table 51820 unicast ::/0 dev wg0 metric 1024',
    'route add table 51820 unreachable ::/0 metric 4278198272',
    'route add table 51820 unicast 100.96.0.1/32 dev wg0 metric 0',
    'route add table 51820 unreachable 100.96.0.1/32 metric 4278198272',
    'rule add priority 1000 iif br-lan lookup 51820',
    'rule add priority 1001 fwmark 0xca6c lookup 254',
    'rule add priority 1002 to 100.96.0.1/32 lookup 51820',
    'rule add priority 1003 from 100.96.0.2/32 lookup 51820',
    'rule add priority 1004 from 100.96.0.2/32 unreachable',
    '-6 rule add priority 1000 iif br-lan lookup 51820',
    '-6 rule add priority 1001 fwmark 0xca6c lookup 254',
    '-6 rule add priority 1003 from fd96::2/128 lookup 51820',
    '-6 rule add priority 1004 from fd96::2/128 unreachable',
  ]);
  t.deepEqual(plan.missingInterfaces, []);
  t.deepEqual(plan.pending, { addresses: [], routes: [] });
});

test('a router at its targets needs nothing: link-local addresses and the IPv6 unreachable route on lo match', (t) => {
  t.deepEqual(planNetworkChanges(APPLIED, labTargets()), {
    commands: [],
    missingInterfaces: [],
    pending: { addresses: [], routes: [] },
  });
});

test('the tunnel interface gone: its addresses and routes wait, everything else is still kept at its targets', (t) => {
  // As the kernel leaves it when the TUN disappears: its addresses and routes go with it.
  const gone: NetworkState = {
    ...APPLIED,
    links: APPLIED.links.filter((link) => link.name !== 'wg0'),
    addresses: APPLIED.addresses.filter((address) => address.dev !== 'wg0'),
    routes: APPLIED.routes.filter((route) => route.dev !== 'wg0'),
  };
  const targets = labTargets();
  const plan = planNetworkChanges(gone, targets);
  t.deepEqual(plan.commands, [], 'the unreachable routes and the rules are in place: nothing to do');
  t.deepEqual(plan.missingInterfaces, ['wg0']);
  t.deepEqual(
    plan.pending.addresses.map((address) => address.cidr),
    ['100.96.0.2/32', 'fd96::2/128'],
  );
  t.deepEqual(
    plan.pending.routes.map((route) => `${route.family} ${route.destination} dev ${route.dev}`),
    ['4 0.0.0.0/0 dev wg0', '6 ::/0 dev wg0', '4 100.96.0.1/32 dev wg0'],
  );

  // The engine is back: a new TUN, down, MTU 1500, no addresses.
  const back: NetworkState = { ...gone, links: [...gone.links, FRESH.links[3]!] };
  t.deepEqual(planNetworkChanges(back, targets).commands, [
    'link set dev wg0 mtu 1420 up',
    'address add 100.96.0.2/32 dev wg0',
    'address add fd96::2/128 dev wg0',
    'route add table 51820 unicast 0.0.0.0/0 dev wg0 metric 0',
    'route add table 51820 unicast ::/0 dev wg0 metric 1024',
    'route add table 51820 unicast 100.96.0.1/32 dev wg0 metric 0',
  ]);
});

test('an unplugged LAN port waits; the bridge is made without it', (t) => {
  const state: NetworkState = { ...FRESH, links: FRESH.links.filter((link) => link.name !== 'lan0') };
  const plan = planNetworkChanges(state, labTargets());
  t.deepEqual(plan.missingInterfaces, ['lan0']);
  t.false(plan.commands.some((command) => command.includes('lan0')));
  t.true(plan.commands.includes(`link add br-lan address ${BRIDGE_MAC} type bridge`));
});

test('table 51820 is owned whole: routes added by hand are deleted, a changed tunnel route is rewritten late', (t) => {
  const state: NetworkState = {
    ...APPLIED,
    routes: [
      // Same slot (default, metric 0) as the tunnel route, but out the LAN: deleted, then the target added.
      route({ family: 4, type: 'unicast', destination: '0.0.0.0/0', dev: 'br-lan', metric: 0 }),
      ...APPLIED.routes.slice(1),
      route({ family: 4, type: 'unicast', destination: '10.9.0.0/16', dev: 'eth0', metric: 0, extra: ['gateway="x"'] }),
      route({ family: 6, type: 'blackhole', destination: '2001:db8::/32', source: 'fd08::/64', metric: 1024 }),
      route({ family: 4, type: 'unicast', destination: '192.0.2.0/24', tos: '0x10', dev: 'wg0', metric: 7 }),
    ],
  };
  t.deepEqual(planNetworkChanges(state, labTargets()).commands, [
    'route del table 51820 unicast 0.0.0.0/0 metric 0',
    'route add table 51820 unicast 0.0.0.0/0 dev wg0 metric 0',
    'route del table 51820 unicast 10.9.0.0/16 metric 0',
    'route del table 51820 blackhole 2001:db8::/32 from fd08::/64 metric 1024',
    'route del table 51820 unicast 192.0.2.0/24 tos 0x10 metric 7',
  ]);
});

test('rules 1000-1099 are owned: a stranger there goes, a priority that differs is rewritten, others stay', (t) => {
  const state: NetworkState = {
    ...APPLIED,
    rules: [
      ...APPLIED.rules,
      rule({ family: 4, priority: 1050, table: 100 }),
      rule({ family: 4, priority: 2000, table: 100 }),
      rule({ family: 4, priority: 999, table: 100 }),
      // The DNS priority with an extra rule next to the target one: the whole priority is rewritten.
      rule({ family: 4, priority: 1002, to: '100.96.0.53/32', table: 51820 }),
      // Looks like the LAN rule but also matches a port: not the target.
      rule({ family: 6, priority: 1000, iif: 'br-lan', table: 51820, extra: ['dport=53'] }),
    ],
  };
  t.deepEqual(planNetworkChanges(state, labTargets()).commands, [
    'rule del priority 1002',
    'rule del priority 1002',
    'rule add priority 1002 to 100.96.0.1/32 lookup 51820',
    'rule del priority 1050',
    '-6 rule del priority 1000',
    '-6 rule del priority 1000',
    '-6 rule add priority 1000 iif br-lan lookup 51820',
  ]);
});

test('only the bridge and the tunnel have their addresses managed; link-local ones are the kernel’s', (t) => {
  const state: NetworkState = {
    ...APPLIED,
    addresses: [
      ...APPLIED.addresses,
      { dev: 'br-lan', family: 4, cidr: '100.64.9.1/24', scope: 'global' },
      { dev: 'wg0', family: 6, cidr: 'fd96::99/128', scope: 'global' },
      { dev: 'eth0', family: 4, cidr: '198.51.100.77/24', scope: 'global' },
      { dev: 'lan0', family: 4, cidr: '100.64.8.9/24', scope: 'global' },
    ],
  };
  t.deepEqual(planNetworkChanges(state, labTargets()).commands, [
    'address del 100.64.9.1/24 dev br-lan',
    'address del fd96::99/128 dev wg0',
  ]);
});

test('a changed LAN address: the old one goes before the new one comes', (t) => {
  const targets = labTargets({
    lan: { ports: ['lan0'], address: '100.64.8.2/24', dhcp: { rangeStart: '100.64.8.100', rangeEnd: '100.64.8.199' } },
  });
  t.deepEqual(planNetworkChanges(APPLIED, targets).commands, [
    'address del 100.64.8.1/24 dev br-lan',
    'address del fd08::1/64 dev br-lan',
    'address add 100.64.8.2/24 dev br-lan',
  ]);
});

test('kill switch off removes the IPv4 default unreachable route only; turning it on adds it back early', (t) => {
  t.deepEqual(
    planNetworkChanges(APPLIED, labTargets({ killSwitch: false })).commands,
    ['route del table 51820 unreachable 0.0.0.0/0 metric 4278198272'],
    "the resolver's unreachable route stays",
  );
  const off: NetworkState = {
    ...APPLIED,
    routes: APPLIED.routes.filter((route) => !(route.type === 'unreachable' && route.destination === '0.0.0.0/0')),
  };
  t.deepEqual(planNetworkChanges(off, labTargets({ killSwitch: false })).commands, [], 'what kill switch off leaves');
  t.deepEqual(planNetworkChanges(off, labTargets()).commands, [
    'route add table 51820 unreachable 0.0.0.0/0 metric 4278198272',
  ]);
  const none: NetworkState = { ...APPLIED, routes: APPLIED.routes.filter((route) => route.metric !== 4278198272) };
  t.deepEqual(planNetworkChanges(none, labTargets()).commands, [
    'route add table 51820 unreachable 0.0.0.0/0 metric 4278198272',
    'route add table 51820 unreachable ::/0 metric 4278198272',
    'route add table 51820 unreachable 100.96.0.1/32 metric 4278198272',
  ]);
});

test('no desired state: every Burrow rule goes before the routes it leads to; links and addresses stay', (t) => {
  t.deepEqual(planNetworkChanges(APPLIED, renderNetworkTargets(null)).commands, [
    'rule del priority 1000',
    'rule del priority 1001',
    'rule del priority 1002',
    'rule del priority 1003',
    'rule del priority 1004',
    '-6 rule del priority 1000',
    '-6 rule del priority 1001',
    '-6 rule del priority 1003',
    '-6 rule del priority 1004',
    'route del table 51820 unicast 0.0.0.0/0 metric 0',
    'route del table 51820 unreachable 0.0.0.0/0 metric 4278198272',
    'route del table 51820 unicast ::/0 metric 1024',
    'route del table 51820 unreachable ::/0 metric 4278198272',
    'route del table 51820 unicast 100.96.0.1/32 metric 0',
    'route del table 51820 unreachable 100.96.0.1/32 metric 4278198272',
  ]);
});

test('a LAN interface that exists but is no bridge cannot take the ports: refused with its kind', (t) => {
  const state: NetworkState = {
    ...FRESH,
    links: [...FRESH.links, { name: 'br-lan', kind: 'veth', master: null, mtu: 1500, up: true }],
  };
  t.throws(() => planNetworkChanges(state, labTargets()), {
    instanceOf: NetworkApplyError,
    message: 'br-lan exists but is a veth, not a bridge: the LAN ports cannot join it',
  });
  const noPorts = labTargets({
    lan: { ports: [], address: '100.64.8.1/24', dhcp: { rangeStart: '100.64.8.100', rangeEnd: '100.64.8.199' } },
  });
  t.false(
    planNetworkChanges(state, noPorts).commands.some(
      (command) => command.startsWith('link') && command.includes('br-lan'),
    ),
    'without ports it is used as it is',
  );
});

test('a bridge whose MAC moved (a port with a lower MAC joined, or an older burrowd made it) gets the pinned one', (t) => {
  const links = APPLIED.links.map((link) =>
    link.name === 'br-lan' ? { ...link, address: '02:00:00:00:00:01' } : link,
  );
  t.deepEqual(planNetworkChanges({ ...APPLIED, links }, labTargets()).commands, [
    `link set dev br-lan address ${BRIDGE_MAC}`,
  ]);
  const pinned = APPLIED.links.map((link) => (link.name === 'br-lan' ? { ...link, address: BRIDGE_MAC } : link));
  t.deepEqual(planNetworkChanges({ ...APPLIED, links: pinned }, labTargets()).commands, []);
});
