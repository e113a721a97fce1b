// Remote access's network targets: wg1's addresses, the remote subnets in table 51820, and rules that send what
// arrives on wg1 to the LAN by the main table and everything else to table 51820 or nowhere, never to the WAN.
import test from 'ava';
import { BURROW_TABLE, ENGINE_RULE_PRIORITY, MAIN_TABLE, renderNetworkTargets } from './network-targets.js';
import {
  REMOTE_LAN_RULE_PRIORITY,
  REMOTE_TUNNEL_RULE_PRIORITY,
  REMOTE_UNREACHABLE_RULE_PRIORITY,
} from './remote-targets.js';
import { remoteState } from './testing/remote-access.js';

test('without remote access nothing names wg1', (t) => {
  const targets = renderNetworkTargets(remoteState({ remoteAccess: null }));
  t.is(targets.links.remote, undefined);
  t.false(JSON.stringify(targets).includes('wg1'));
  t.false(targets.rules.some((rule) => rule.fwmark === 0xca6d));
});

test("Burrow puts the router's addresses on wg1 and brings it up", (t) => {
  const targets = renderNetworkTargets(remoteState());
  t.deepEqual(targets.links.remote, { name: 'wg1', mtu: 1420 });
  t.deepEqual(
    targets.addresses.filter((address) => address.dev === 'wg1'),
    [
      { dev: 'wg1', family: 4, cidr: '10.99.0.1/24' },
      { dev: 'wg1', family: 6, cidr: 'fd99::1/64' },
    ],
  );
});

test("the LAN's replies to the devices find wg1 in table 51820", (t) => {
  const routes = renderNetworkTargets(remoteState()).routes.filter((route) => route.dev === 'wg1');
  t.deepEqual(routes, [
    { table: BURROW_TABLE, family: 4, type: 'unicast', destination: '10.99.0.0/24', dev: 'wg1', metric: 0 },
    { table: BURROW_TABLE, family: 6, type: 'unicast', destination: 'fd99::/64', dev: 'wg1', metric: 1024 },
  ]);
});

test('from wg1: the LAN by the main table, everything else table 51820 or unreachable; the server by its mark', (t) => {
  const rules = renderNetworkTargets(remoteState()).rules;
  const remote = rules.filter((rule) => rule.iif === 'wg1' || rule.fwmark === 0xca6d);
  t.deepEqual(remote, [
    { family: 4, priority: ENGINE_RULE_PRIORITY, fwmark: 0xca6d, table: MAIN_TABLE },
    { family: 6, priority: ENGINE_RULE_PRIORITY, fwmark: 0xca6d, table: MAIN_TABLE },
    { family: 4, priority: REMOTE_LAN_RULE_PRIORITY, iif: 'wg1', to: '100.64.8.0/24', table: MAIN_TABLE },
    { family: 6, priority: REMOTE_LAN_RULE_PRIORITY, iif: 'wg1', to: 'fd08::/64', table: MAIN_TABLE },
    { family: 4, priority: REMOTE_TUNNEL_RULE_PRIORITY, iif: 'wg1', table: BURROW_TABLE },
    { family: 6, priority: REMOTE_TUNNEL_RULE_PRIORITY, iif: 'wg1', table: BURROW_TABLE },
    { family: 4, priority: REMOTE_UNREACHABLE_RULE_PRIORITY, iif: 'wg1', table: 'unreachable' },
    { family: 6, priority: REMOTE_UNREACHABLE_RULE_PRIORITY, iif: 'wg1', table: 'unreachable' },
  ]);
  // No rule from wg1 ever looks anything but the LAN up in the main table (its default is the WAN).
  t.true(
    rules.filter((rule) => rule.iif === 'wg1' && rule.table === MAIN_TABLE).every((rule) => rule.to !== undefined),
  );
  // In priority order, so the kernel sees them as rendered.
  t.deepEqual(
    rules.map((rule) => rule.priority),
    [...rules.map((rule) => rule.priority)].sort((a, b) => a - b),
  );
});

test('kill switch off, no tunnel: wg1 still ends at unreachable, never the main table', (t) => {
  const targets = renderNetworkTargets(remoteState({ killSwitch: false, tunnel: null }));
  t.true(targets.rules.some((rule) => rule.iif === 'wg1' && rule.table === 'unreachable' && rule.family === 4));
  t.false(targets.routes.some((route) => route.family === 4 && route.destination === '0.0.0.0/0'));
});
