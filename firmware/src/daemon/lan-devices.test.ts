import test from 'ava';
import { joinLanDevices } from './lan-devices.js';
import { LEAK_PROBE_DEVICE_MAC, LEAK_PROBE_LINK_MAC } from '../control/leak-probe.js';
import { type DhcpLease } from '../os/dhcp-leases.js';
import { type Neighbour } from '../os/lan-neighbours.js';

const LAN1 = '02:b7:64:08:00:01';
const LAN2 = '02:b7:64:08:00:02';
const LAN3 = '02:b7:64:08:00:03';

const leases: DhcpLease[] = [
  { ip: '100.64.8.101', mac: LAN1, hostname: 'lan1', clientId: null, expires: new Date('2030-01-01T01:00:00Z') },
  { ip: '100.64.8.102', mac: LAN2, hostname: null, clientId: null, expires: null },
  { ip: 'fd08::9', mac: null, hostname: 'lan1', clientId: null, expires: null },
];
const neighbours: Neighbour[] = [
  { ip: '100.64.8.101', mac: LAN1, state: 'stale' },
  { ip: 'fd08::100:1', mac: LAN1, state: 'reachable' },
  { ip: '100.64.8.50', mac: LAN3, state: 'delay' },
  { ip: '100.64.8.77', mac: null, state: 'failed' },
];

test('leases, neighbours and counts joined by MAC: addresses per family, the best neighbour state, bytes', (t) => {
  const counts = {
    tx: new Map([
      [LAN1, 1200],
      [LAN3, 10],
      ['02:00:00:00:00:99', 5],
    ]),
    rx: new Map([
      ['100.64.8.101', 3000],
      ['fd08::100:1', 400],
      ['100.64.8.77', 99],
    ]),
  };
  t.deepEqual(joinLanDevices(leases, neighbours, counts), [
    {
      mac: LAN1,
      hostname: 'lan1',
      ipv4: ['100.64.8.101'],
      ipv6: ['fd08::100:1'],
      neighbour: 'reachable',
      leaseExpires: '2030-01-01T01:00:00.000Z',
      rxBytes: 3400,
      txBytes: 1200,
    },
    {
      mac: LAN2,
      hostname: null,
      ipv4: ['100.64.8.102'],
      ipv6: [],
      neighbour: null,
      leaseExpires: null,
      rxBytes: 0,
      txBytes: 0,
    },
    {
      mac: LAN3,
      hostname: null,
      ipv4: ['100.64.8.50'],
      ipv6: [],
      neighbour: 'delay',
      leaseExpires: null,
      rxBytes: 0,
      txBytes: 10,
    },
  ]);
});

test('bytes to an address the device gave up still count for it, through the owners remembered', (t) => {
  const owners = new Map<string, string>();
  joinLanDevices(leases, neighbours, { tx: new Map(), rx: new Map() }, owners);
  const moved: DhcpLease[] = [{ ...leases[0]!, ip: '100.64.8.111' }];
  const [device] = joinLanDevices(moved, [], { tx: new Map(), rx: new Map([['100.64.8.101', 700]]) }, owners);
  t.is(device?.mac, LAN1);
  t.deepEqual(device?.ipv4, ['100.64.8.111']);
  t.is(device?.rxBytes, 700);
});

test('the owners remembered stay bounded: an address neither seen now nor counted is forgotten', (t) => {
  const owners = new Map<string, string>();
  const counted = { tx: new Map<string, number>(), rx: new Map([['fd08::1:0', 700]]) };
  // A device making up a new IPv6 address a poll, a thousand polls: only what is seen or counted is kept.
  for (let poll = 0; poll < 1000; poll += 1) {
    const seen: Neighbour[] = [{ ip: `fd08::1:${poll.toString(16)}`, mac: LAN1, state: 'reachable' }];
    joinLanDevices([], seen, counted, owners);
  }
  t.true(owners.size <= 2, `owners keeps ${owners.size} addresses`);
  t.is(owners.get('fd08::1:0'), LAN1, 'an address given up that still has bytes keeps its owner');
  // And those bytes still count for the device when it is seen on another address.
  const [device] = joinLanDevices([], [{ ip: 'fd08::1:3e8', mac: LAN1, state: 'reachable' }], counted, owners);
  t.is(device?.rxBytes, 700);
});

test("the router's own leak probe on the LAN bridge is not a household device", (t) => {
  const probe: Neighbour[] = [
    { ip: '100.64.8.254', mac: LEAK_PROBE_DEVICE_MAC, state: 'reachable' },
    { ip: '100.64.8.1', mac: LEAK_PROBE_LINK_MAC, state: 'permanent' },
    { ip: '100.64.8.101', mac: LAN1, state: 'reachable' },
  ];
  const counts = { tx: new Map([[LEAK_PROBE_DEVICE_MAC, 500]]), rx: new Map([['100.64.8.254', 500]]) };
  t.deepEqual(
    joinLanDevices([], probe, counts).map((device) => device.mac),
    [LAN1],
  );
});
