import test from 'ava';
import { isDeepStrictEqual } from 'node:util';
import { parseDesiredState, type DesiredState, type DesiredStateInput } from '../control/desired-state.js';
import {
  bridgeAddress,
  BURROW_TABLE,
  MAIN_TABLE,
  renderNetworkTargets,
  sysctlKey,
  UNREACHABLE_METRIC,
  type NetworkTargets,
  type RouteTarget,
} from './network-targets.js';
import { DIRECT_FWMARK } from './lan-device-rules.js';

const PRIVATE_KEY = 'yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=';
const PEER_KEY = 'xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=';

/** The household lab's plan: WAN eth0, LAN 100.64.8.0/24 + fd08::/64, tunnel 100.96.0.2 + fd96::2, both families. */
function labState(overrides: Partial<DesiredStateInput> = {}, tunnel: Record<string, unknown> = {}): DesiredState {
  const result = parseDesiredState({
    version: 1,
    wan: { interface: 'eth0' },
    lan: {
      ports: ['lan1', 'lan0'],
      address: '100.64.8.1/24',
      ipv6Prefix: 'fd08::1/64',
      dhcp: { rangeStart: '100.64.8.100', rangeEnd: '100.64.8.199' },
    },
    tunnel: {
      privateKey: PRIVATE_KEY,
      addresses: ['fd96::2/128', '100.96.0.2/32'],
      dns: ['100.96.0.1'],
      peers: [{ publicKey: PEER_KEY, endpoint: '203.0.113.1:51820', allowedIps: ['0.0.0.0/0', '::/0'] }],
      ...tunnel,
    },
    ...overrides,
  });
  if (!result.ok) {
    throw new Error(result.errors.join('; '));
  }
  return result.state;
}

test('no desired state: no Burrow links, addresses, routes or rules, and forwarding off', (t) => {
  t.deepEqual(renderNetworkTargets(null), {
    links: { bridge: null, ports: [], tunnel: null },
    addresses: [],
    routes: [],
    rules: [],
    sysctls: [
      { key: 'net.ipv4.ip_forward', value: '0' },
      { key: 'net.ipv6.conf.all.forwarding', value: '0' },
    ],
  });
});

test('the household: LAN and its resolver through the tunnel, unreachable behind them, DNS rules', (t) => {
  const expected: NetworkTargets = {
    links: {
      bridge: { name: 'br-lan', address: bridgeAddress('br-lan', '100.64.8.1/24') },
      ports: ['lan1', 'lan0'],
      tunnel: { name: 'wg0', mtu: 1420 },
    },
    addresses: [
      { dev: 'br-lan', family: 4, cidr: '100.64.8.1/24' },
      { dev: 'br-lan', family: 6, cidr: 'fd08::1/64' },
      { dev: 'wg0', family: 4, cidr: '100.96.0.2/32' },
      { dev: 'wg0', family: 6, cidr: 'fd96::2/128' },
    ],
    routes: [
      { table: 51820, family: 4, type: 'unicast', destination: '0.0.0.0/0', dev: 'wg0', metric: 0 },
      { table: 51820, family: 4, type: 'unreachable', destination: '0.0.0.0/0', metric: 4278198272 },
      { table: 51820, family: 6, type: 'unicast', destination: '::/0', dev: 'wg0', metric: 1024 },
      { table: 51820, family: 6, type: 'unreachable', destination: '::/0', metric: 4278198272 },
      { table: 51820, family: 4, type: 'unicast', destination: '100.96.0.1/32', dev: 'wg0', metric: 0 },
      { table: 51820, family: 4, type: 'unreachable', destination: '100.96.0.1/32', metric: 4278198272 },
    ],
    rules: [
      { family: 4, priority: 1000, iif: 'br-lan', table: 51820 },
      { family: 6, priority: 1000, iif: 'br-lan', table: 51820 },
      { family: 4, priority: 1001, fwmark: 0xca6c, table: 254 },
      { family: 6, priority: 1001, fwmark: 0xca6c, table: 254 },
      { family: 4, priority: 1002, to: '100.96.0.1/32', table: 51820 },
      { family: 4, priority: 1003, from: '100.96.0.2/32', table: 51820 },
      { family: 6, priority: 1003, from: 'fd96::2/128', table: 51820 },
      { family: 4, priority: 1004, from: '100.96.0.2/32', table: 'unreachable' },
      { family: 6, priority: 1004, from: 'fd96::2/128', table: 'unreachable' },
    ],
    sysctls: [
      { key: 'net.ipv6.conf.eth0.accept_ra', value: '2', dev: 'eth0' },
      { key: 'net.ipv4.ip_forward', value: '1' },
      { key: 'net.ipv6.conf.all.forwarding', value: '1' },
      { key: 'net.ipv4.conf.wg0.rp_filter', value: '2', dev: 'wg0' },
    ],
  };
  t.deepEqual(renderNetworkTargets(labState()), expected);
});

test('kill switch off: no IPv4 default unreachable route, so LAN IPv4 falls through to the main table; IPv6 and the resolver keep theirs', (t) => {
  const targets = renderNetworkTargets(labState({ killSwitch: false }));
  const defaultUnreachableV4: RouteTarget = {
    table: BURROW_TABLE,
    family: 4,
    type: 'unreachable',
    destination: '0.0.0.0/0',
    metric: UNREACHABLE_METRIC,
  };
  t.deepEqual(targets.routes, [
    { table: BURROW_TABLE, family: 4, type: 'unicast', destination: '0.0.0.0/0', dev: 'wg0', metric: 0 },
    { table: BURROW_TABLE, family: 6, type: 'unicast', destination: '::/0', dev: 'wg0', metric: 1024 },
    { table: BURROW_TABLE, family: 6, type: 'unreachable', destination: '::/0', metric: UNREACHABLE_METRIC },
    { table: BURROW_TABLE, family: 4, type: 'unicast', destination: '100.96.0.1/32', dev: 'wg0', metric: 0 },
    { table: BURROW_TABLE, family: 4, type: 'unreachable', destination: '100.96.0.1/32', metric: UNREACHABLE_METRIC },
  ]);
  t.deepEqual(
    targets.routes,
    renderNetworkTargets(labState()).routes.filter((route) => !isDeepStrictEqual(route, defaultUnreachableV4)),
    'the IPv4 default unreachable route is the only difference the kill switch makes',
  );
  t.deepEqual(targets.rules, renderNetworkTargets(labState()).rules, 'the rules do not depend on the kill switch');
});

test("the tunnel's resolvers: each through the tunnel, unreachable behind it, kill switch on or off", (t) => {
  const dns = ['fd96::53', '100.96.0.53', '100.96.0.1'];
  for (const killSwitch of [true, false]) {
    const targets = renderNetworkTargets(labState({ killSwitch }, { dns }));
    t.deepEqual(
      targets.routes
        .filter((route) => route.destination !== '0.0.0.0/0' && route.destination !== '::/0')
        .map((route) => `${route.family} ${route.type} ${route.destination} ${route.dev ?? '-'} ${route.metric}`),
      [
        '4 unicast 100.96.0.1/32 wg0 0',
        `4 unreachable 100.96.0.1/32 - ${UNREACHABLE_METRIC}`,
        '4 unicast 100.96.0.53/32 wg0 0',
        `4 unreachable 100.96.0.53/32 - ${UNREACHABLE_METRIC}`,
        '6 unicast fd96::53/128 wg0 1024',
        `6 unreachable fd96::53/128 - ${UNREACHABLE_METRIC}`,
      ],
      `kill switch ${killSwitch ? 'on' : 'off'}`,
    );
  }
});

test('a tunnel that does not carry IPv6 gets no IPv6 route: LAN IPv6 is unreachable', (t) => {
  const targets = renderNetworkTargets(
    labState({}, { peers: [{ publicKey: PEER_KEY, endpoint: '203.0.113.1:51820', allowedIps: ['0.0.0.0/0'] }] }),
  );
  t.deepEqual(
    targets.routes.map((route) => `${route.family} ${route.type} ${route.destination} ${route.dev ?? '-'}`),
    [
      '4 unicast 0.0.0.0/0 wg0',
      '4 unreachable 0.0.0.0/0 -',
      '6 unreachable ::/0 -',
      '4 unicast 100.96.0.1/32 wg0',
      '4 unreachable 100.96.0.1/32 -',
    ],
  );
  t.true(
    targets.addresses.some((address) => address.cidr === 'fd96::2/128'),
    'the address is still configured',
  );
});

test('an IPv6-only tunnel routes no IPv4: LAN IPv4 meets the unreachable route', (t) => {
  const targets = renderNetworkTargets(labState({}, { addresses: ['fd96::2/128'], dns: ['fd96::1'] }));
  t.deepEqual(
    targets.routes.map((route) => `${route.family} ${route.type} ${route.destination} ${route.dev ?? '-'}`),
    [
      '4 unreachable 0.0.0.0/0 -',
      '6 unicast ::/0 wg0',
      '6 unreachable ::/0 -',
      '6 unicast fd96::1/128 wg0',
      '6 unreachable fd96::1/128 -',
    ],
  );
  t.deepEqual(
    targets.rules.filter((rule) => rule.priority === 1002),
    [{ family: 6, priority: 1002, to: 'fd96::1/128', table: BURROW_TABLE }],
  );
});

test('no tunnel: the LAN rules lead to unreachable only; no engine or DNS rules, no tunnel sysctl', (t) => {
  const on = renderNetworkTargets(labState({ tunnel: null }));
  t.deepEqual(on.links, {
    bridge: { name: 'br-lan', address: bridgeAddress('br-lan', '100.64.8.1/24') },
    ports: ['lan1', 'lan0'],
    tunnel: null,
  });
  t.deepEqual(
    on.routes.map((route) => `${route.family} ${route.type}`),
    ['4 unreachable', '6 unreachable'],
  );
  t.deepEqual(
    on.rules.map((rule) => `${rule.family} ${rule.priority}`),
    ['4 1000', '6 1000'],
  );
  t.deepEqual(
    on.sysctls.map((sysctl) => sysctl.key),
    ['net.ipv6.conf.eth0.accept_ra', 'net.ipv4.ip_forward', 'net.ipv6.conf.all.forwarding'],
  );
  const off = renderNetworkTargets(labState({ tunnel: null, killSwitch: false }));
  t.deepEqual(
    off.routes.map((route) => `${route.family} ${route.type}`),
    ['6 unreachable'],
  );
});

test('deterministic: resolvers and addresses sorted, duplicates once, whatever order the state lists them in', (t) => {
  const dns = ['fd96::53', '100.96.0.1', '100.96.0.53', '100.96.0.1'];
  const a = renderNetworkTargets(labState({}, { dns }));
  const b = renderNetworkTargets(
    labState({}, { dns: [...dns].reverse(), addresses: ['100.96.0.2/32', 'fd96::2/128'] }),
  );
  t.deepEqual(a, b);
  t.deepEqual(
    a.rules.filter((rule) => rule.priority === 1002).map((rule) => rule.to),
    ['100.96.0.1/32', '100.96.0.53/32', 'fd96::53/128'],
  );
  t.deepEqual(renderNetworkTargets(labState()), renderNetworkTargets(labState()));
});

test('names and marks come from the state: another bridge, tunnel, MTU, fwmark and a VLAN WAN', (t) => {
  const targets = renderNetworkTargets(
    labState(
      {
        wan: { interface: 'eth0.2' },
        lan: {
          interface: 'br-home',
          ports: [],
          address: '100.64.8.1/24',
          dhcp: { rangeStart: '100.64.8.100', rangeEnd: '100.64.8.199' },
        },
      },
      { interface: 'tun7', mtu: 1380, fwmark: 0x1234 },
    ),
  );
  t.deepEqual(targets.links, {
    bridge: { name: 'br-home', address: bridgeAddress('br-home', '100.64.8.1/24') },
    ports: [],
    tunnel: { name: 'tun7', mtu: 1380 },
  });
  t.deepEqual(
    targets.addresses.map((address) => `${address.dev} ${address.cidr}`),
    ['br-home 100.64.8.1/24', 'tun7 100.96.0.2/32', 'tun7 fd96::2/128'],
  );
  t.true(targets.rules.every((rule) => rule.iif === undefined || rule.iif === 'br-home'));
  t.deepEqual(
    targets.rules.filter((rule) => rule.fwmark !== undefined),
    [
      { family: 4, priority: 1001, fwmark: 0x1234, table: MAIN_TABLE },
      { family: 6, priority: 1001, fwmark: 0x1234, table: MAIN_TABLE },
    ],
  );
  t.deepEqual(targets.sysctls[0], { key: 'net.ipv6.conf.eth0/2.accept_ra', value: '2', dev: 'eth0.2' });
  t.deepEqual(targets.sysctls.at(-1), { key: 'net.ipv4.conf.tun7.rp_filter', value: '2', dev: 'tun7' });
});

test('sysctlKey writes a dot inside a name as a slash, as sysctl(8) does', (t) => {
  t.is(sysctlKey('net', 'ipv4', 'conf', 'eth0.100', 'rp_filter'), 'net.ipv4.conf.eth0/100.rp_filter');
  t.is(sysctlKey('net', 'ipv4', 'ip_forward'), 'net.ipv4.ip_forward');
});

test('a state whose names were not validated is refused, not pasted into commands', (t) => {
  const state = labState();
  const forged = { ...state, lan: { ...state.lan, interface: 'br-lan\nlink del eth0' } };
  t.throws(() => renderNetworkTargets(forged), { instanceOf: SyntaxError, message: /not a valid interface name/ });
});

test("a direct device's marked IPv4 goes to the main table, listed ahead of the LAN's rule; no IPv6 rule", (t) => {
  const lan = labState().lan;
  const direct = labState({ lan: { ...lan, policies: [{ mac: '02:B7:64:08:00:02', policy: 'direct' }] } });
  const rules = renderNetworkTargets(direct).rules;
  t.deepEqual(rules.slice(0, 3), [
    { family: 4, priority: 1000, iif: 'br-lan', fwmark: DIRECT_FWMARK, table: MAIN_TABLE },
    { family: 4, priority: 1000, iif: 'br-lan', table: BURROW_TABLE },
    { family: 6, priority: 1000, iif: 'br-lan', table: BURROW_TABLE },
  ]);
  t.is(rules.filter((rule) => rule.fwmark === DIRECT_FWMARK).length, 1, 'IPv4 only');
  t.not(DIRECT_FWMARK, 0xca6c, "not the engine's mark");

  const blockedOnly = labState({ lan: { ...lan, policies: [{ mac: '02:b7:64:08:00:01', policy: 'blocked' }] } });
  t.deepEqual(
    renderNetworkTargets(blockedOnly).rules,
    renderNetworkTargets(labState()).rules,
    'no direct device, no rule',
  );
});

test("the LAN bridge's MAC is pinned: unicast, locally administered, the same for the same LAN, another for another", (t) => {
  const address = bridgeAddress('br-lan', '100.64.8.1/24');
  t.regex(address, /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
  t.is(parseInt(address.slice(0, 2), 16) & 0x03, 0x02, 'locally administered, not multicast');
  t.is(bridgeAddress('br-lan', '100.64.8.1/24'), address);
  t.not(bridgeAddress('br-lan', '192.168.8.1/24'), address);
});
