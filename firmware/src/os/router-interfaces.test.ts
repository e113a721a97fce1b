// Parsing the router's interfaces from ip(8)'s JSON, captured from a namespace laid out like the lab's router: a
// bridge with one port, a veth WAN, a TUN with the tunnel's address, and loopback.
import test from 'ava';
import { parseRouterInterfaces } from './router-interfaces.js';

/** `ip -json -stats -details address show`, trimmed of the link details the reader ignores. */
const CAPTURED = [
  {
    ifindex: 1,
    ifname: 'lo',
    flags: ['LOOPBACK', 'UP', 'LOWER_UP'],
    mtu: 65536,
    operstate: 'UNKNOWN',
    link_type: 'loopback',
    address: '00:00:00:00:00:00',
    addr_info: [
      {
        family: 'inet',
        local: '127.0.0.1',
        prefixlen: 8,
        scope: 'host',
        label: 'lo',
        valid_life_time: 4294967295,
        preferred_life_time: 4294967295,
      },
      {
        family: 'inet6',
        local: '::1',
        prefixlen: 128,
        scope: 'host',
        valid_life_time: 4294967295,
        preferred_life_time: 4294967295,
      },
    ],
    stats64: {
      rx: { bytes: 0, packets: 0, errors: 0, dropped: 0, over_errors: 0, multicast: 0 },
      tx: { bytes: 0, packets: 0, errors: 0, dropped: 0, carrier_errors: 0, collisions: 0 },
    },
  },
  {
    ifindex: 2,
    ifname: 'br-lan',
    flags: ['NO-CARRIER', 'BROADCAST', 'MULTICAST', 'UP'],
    mtu: 1500,
    operstate: 'DOWN',
    link_type: 'ether',
    address: 'fa:ba:a8:5d:25:bc',
    linkinfo: { info_kind: 'bridge' },
    addr_info: [
      {
        family: 'inet',
        local: '100.64.8.1',
        prefixlen: 24,
        scope: 'global',
        label: 'br-lan',
        valid_life_time: 4294967295,
        preferred_life_time: 4294967295,
      },
      {
        family: 'inet6',
        local: 'fd08::1',
        prefixlen: 64,
        scope: 'global',
        nodad: true,
        valid_life_time: 4294967295,
        preferred_life_time: 4294967295,
      },
    ],
    stats64: {
      rx: { bytes: 0, packets: 0, errors: 0, dropped: 0, over_errors: 0, multicast: 0 },
      tx: { bytes: 0, packets: 0, errors: 0, dropped: 0, carrier_errors: 0, collisions: 0 },
    },
  },
  {
    ifindex: 3,
    link: 'lan0',
    ifname: 'lanp',
    flags: ['BROADCAST', 'MULTICAST', 'M-DOWN'],
    mtu: 1500,
    operstate: 'DOWN',
    link_type: 'ether',
    address: 'da:d1:e1:78:de:63',
    linkinfo: { info_kind: 'veth' },
    addr_info: [],
    stats64: {
      rx: { bytes: 0, packets: 0, errors: 0, dropped: 0, over_errors: 0, multicast: 0 },
      tx: { bytes: 0, packets: 0, errors: 0, dropped: 0, carrier_errors: 0, collisions: 0 },
    },
  },
  {
    ifindex: 4,
    link: 'lanp',
    ifname: 'lan0',
    flags: ['BROADCAST', 'MULTICAST', 'M-DOWN'],
    mtu: 1500,
    master: 'br-lan',
    operstate: 'DOWN',
    link_type: 'ether',
    address: 'fa:ba:a8:5d:25:bc',
    linkinfo: { info_kind: 'veth', info_slave_kind: 'bridge' },
    addr_info: [],
    stats64: {
      rx: { bytes: 0, packets: 0, errors: 0, dropped: 0, over_errors: 0, multicast: 0 },
      tx: { bytes: 0, packets: 0, errors: 0, dropped: 0, carrier_errors: 0, collisions: 0 },
    },
  },
  {
    ifindex: 5,
    link: 'wan0',
    ifname: 'wanp',
    flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'],
    mtu: 1500,
    operstate: 'UP',
    link_type: 'ether',
    address: '26:33:5c:42:53:a1',
    linkinfo: { info_kind: 'veth' },
    addr_info: [
      {
        family: 'inet6',
        local: 'fe80::2433:5cff:fe42:53a1',
        prefixlen: 64,
        scope: 'link',
        tentative: true,
        valid_life_time: 4294967295,
        preferred_life_time: 4294967295,
      },
    ],
    stats64: {
      rx: { bytes: 0, packets: 0, errors: 0, dropped: 0, over_errors: 0, multicast: 0 },
      tx: { bytes: 0, packets: 0, errors: 0, dropped: 0, carrier_errors: 0, collisions: 0 },
    },
  },
  {
    ifindex: 6,
    link: 'wanp',
    ifname: 'wan0',
    flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'],
    mtu: 1500,
    operstate: 'UP',
    link_type: 'ether',
    address: 'e2:ce:78:0a:78:6b',
    linkinfo: { info_kind: 'veth' },
    addr_info: [
      {
        family: 'inet',
        local: '198.51.100.2',
        prefixlen: 24,
        scope: 'global',
        label: 'wan0',
        valid_life_time: 4294967295,
        preferred_life_time: 4294967295,
      },
      {
        family: 'inet6',
        local: 'fe80::e0ce:78ff:fe0a:786b',
        prefixlen: 64,
        scope: 'link',
        tentative: true,
        valid_life_time: 4294967295,
        preferred_life_time: 4294967295,
      },
    ],
    stats64: {
      rx: { bytes: 123456, packets: 321, errors: 0, dropped: 0, over_errors: 0, multicast: 0 },
      tx: { bytes: 654321, packets: 123, errors: 0, dropped: 0, carrier_errors: 0, collisions: 0 },
    },
  },
  {
    ifindex: 7,
    ifname: 'wg0',
    flags: ['NO-CARRIER', 'POINTOPOINT', 'MULTICAST', 'NOARP', 'UP'],
    mtu: 1420,
    operstate: 'DOWN',
    link_type: 'none',
    linkinfo: { info_kind: 'tun' },
    addr_info: [
      {
        family: 'inet',
        local: '10.2.0.2',
        prefixlen: 32,
        scope: 'global',
        label: 'wg0',
        valid_life_time: 4294967295,
        preferred_life_time: 4294967295,
      },
    ],
    stats64: {
      rx: { bytes: 0, packets: 0, errors: 0, dropped: 0, over_errors: 0, multicast: 0 },
      tx: { bytes: 0, packets: 0, errors: 0, dropped: 0, carrier_errors: 0, collisions: 0 },
    },
  },
];

const ROLES = { wan: 'wan0', lan: 'br-lan', tunnel: 'wg0' };

test('every interface gets its role from the state in force, sorted by name', (t) => {
  const interfaces = parseRouterInterfaces(JSON.stringify(CAPTURED), ROLES);
  t.deepEqual(
    interfaces.map(({ name, role, kind }) => [name, role, kind]),
    [
      ['br-lan', 'lan-bridge', 'bridge'],
      ['lan0', 'lan-port', 'veth'],
      ['lanp', 'other', 'veth'],
      ['lo', 'other', null],
      ['wan0', 'wan', 'veth'],
      ['wanp', 'other', 'veth'],
      ['wg0', 'tunnel', 'tun'],
    ],
  );
});

test('addresses with prefixes, MAC, MTU, state and counters', (t) => {
  const byName = new Map(parseRouterInterfaces(JSON.stringify(CAPTURED), ROLES).map((nic) => [nic.name, nic]));
  t.like(byName.get('wan0'), {
    up: true,
    mac: 'e2:ce:78:0a:78:6b',
    mtu: 1500,
    rxBytes: 123456,
    rxPackets: 321,
    txBytes: 654321,
    txPackets: 123,
    rxErrors: 0,
  });
  t.deepEqual(byName.get('wan0')?.addresses, [
    { family: 'ipv4', address: '198.51.100.2', prefixLength: 24 },
    { family: 'ipv6', address: 'fe80::e0ce:78ff:fe0a:786b', prefixLength: 64 },
  ]);
  t.deepEqual(byName.get('br-lan')?.addresses, [
    { family: 'ipv4', address: '100.64.8.1', prefixLength: 24 },
    { family: 'ipv6', address: 'fd08::1', prefixLength: 64 },
  ]);
  // A TUN has no hardware address; one without a reader attached has no carrier, so it is down.
  t.like(byName.get('wg0'), { mac: null, mtu: 1420, up: false });
  // Loopback: operstate UNKNOWN with the UP flag is a working link; its all-zero address is no MAC.
  t.like(byName.get('lo'), { mac: null, up: true });
});

test('without a state the roles are unknown, and odd entries are skipped rather than failing the list', (t) => {
  const odd = [{ ifname: 'eth9', flags: ['UP'], operstate: 'UP', mtu: 'x', stats64: 'none' }, { noname: true }, 3];
  const interfaces = parseRouterInterfaces(JSON.stringify(odd), {});
  t.deepEqual(interfaces, [
    {
      name: 'eth9',
      kind: null,
      role: 'other',
      up: true,
      mac: null,
      mtu: 0,
      addresses: [],
      rxBytes: 0,
      txBytes: 0,
      rxPackets: 0,
      txPackets: 0,
      rxErrors: 0,
      txErrors: 0,
    },
  ]);
  t.deepEqual(parseRouterInterfaces('', {}), []);
  t.throws(() => parseRouterInterfaces('{}', {}));
});
