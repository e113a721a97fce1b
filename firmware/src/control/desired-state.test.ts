// The desired-state schema: defaults, canonical forms, and a clear error naming the field for every bad value,
// without ever repeating a secret.
import test from 'ava';
import {
  describeState,
  parseDesiredState,
  splitEndpoint,
  tunnelCarriesIpv6,
  type DesiredState,
  type TunnelState,
} from './desired-state.js';

const PRIVATE_KEY = 'yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=';
const PEER_KEY = 'xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=';
const PRESHARED_KEY = 'FpCyhws9cxwWoV4xELtfJvjJN+zQVRPISllRWgeopVE=';
const SECRETS = [PRIVATE_KEY, PRESHARED_KEY];

/** A complete, valid state as the api would send it (defaults left out). */
function input(): Record<string, unknown> & { lan: Record<string, unknown>; tunnel: Record<string, unknown> } {
  return {
    version: 1,
    wan: { interface: 'eth0' },
    lan: {
      ports: ['eth1', 'eth2'],
      address: '192.168.8.1/24',
      dhcp: { rangeStart: '192.168.8.100', rangeEnd: '192.168.8.250' },
    },
    tunnel: {
      privateKey: PRIVATE_KEY,
      addresses: ['10.2.0.2/32'],
      dns: ['10.2.0.1'],
      peers: [
        {
          publicKey: PEER_KEY,
          presharedKey: PRESHARED_KEY,
          endpoint: 'vpn.example.net:51820',
          allowedIps: ['0.0.0.0/0'],
        },
      ],
    },
  };
}

/** Sets one field (a dotted path with numeric array indices) on a fresh valid input. */
function withField(path: string, value: unknown): unknown {
  const state = input();
  const parts = path.split('.');
  let target = state as Record<string, unknown>;
  for (const part of parts.slice(0, -1)) {
    target = target[part] as Record<string, unknown>;
  }
  const last = parts.at(-1)!;
  if (value === undefined) {
    delete target[last];
  } else {
    target[last] = value;
  }
  return state;
}

function valid(value: unknown): DesiredState {
  const result = parseDesiredState(value);
  if (!result.ok) {
    throw new Error(`expected a valid state, got ${result.errors.join('; ')}`);
  }
  return result.state;
}

function errorsOf(value: unknown): string[] {
  const result = parseDesiredState(value);
  if (result.ok) {
    throw new Error('expected the state to be refused');
  }
  return result.errors;
}

test('a valid state parses, with every default filled in', (t) => {
  const state = valid(input());
  t.true(state.killSwitch);
  t.is(state.lan.interface, 'br-lan');
  t.is(state.lan.dhcp.leaseSeconds, 43_200);
  t.is(state.lan.ipv6Prefix, undefined);
  const tunnel = state.tunnel!;
  t.is(tunnel.interface, 'wg0');
  t.is(tunnel.mtu, 1420);
  t.is(tunnel.fwmark, 0xca6c);
  t.is(tunnel.listenPort, undefined);
  t.deepEqual(tunnel.peers[0]!.allowedIps, ['0.0.0.0/0']);
  t.is(valid(withField('tunnel', null)).tunnel, null);
  t.false(valid(withField('killSwitch', false)).killSwitch);
});

test('addresses, prefixes and endpoints come out in one canonical spelling', (t) => {
  const state = valid({
    ...input(),
    lan: { ...input().lan, ipv6Prefix: 'FD12:3456:789A:0::1/64' },
    tunnel: {
      ...input().tunnel,
      addresses: ['10.2.0.2/32', 'FD00:0:0::2/128'],
      dns: ['10.2.0.1', 'FD00::0001'],
      peers: [
        { publicKey: PEER_KEY, endpoint: 'VPN.Example.NET:51820', allowedIps: ['10.9.8.7/8', '::/0'] },
        { publicKey: PRIVATE_KEY, endpoint: '[2001:DB8::0:1]:443', allowedIps: ['192.0.2.1'] },
      ],
    },
  });
  t.is(state.lan.ipv6Prefix, 'fd12:3456:789a::1/64');
  t.deepEqual(state.tunnel!.addresses, ['10.2.0.2/32', 'fd00::2/128']);
  t.deepEqual(state.tunnel!.dns, ['10.2.0.1', 'fd00::1']);
  t.is(state.tunnel!.peers[0]!.endpoint, 'vpn.example.net:51820');
  t.deepEqual(state.tunnel!.peers[0]!.allowedIps, ['10.0.0.0/8', '::/0'], 'host bits cleared, as wg(8) stores them');
  t.is(state.tunnel!.peers[1]!.endpoint, '[2001:db8::1]:443');
  t.deepEqual(state.tunnel!.peers[1]!.allowedIps, ['192.0.2.1/32']);
});

const badFields: ReadonlyArray<[string, unknown, RegExp]> = [
  ['version', 2, /^version: must be 1$/],
  ['version', undefined, /^version: is required$/],
  ['killSwitch', 'yes', /^killSwitch: must be a boolean$/],
  ['wan.interface', 'eth0/1', /^wan\.interface: must be an interface name/],
  ['wan.interface', 'a-very-long-name0', /^wan\.interface: must be an interface name: 1-15/],
  ['wan.interface', '', /^wan\.interface: must be an interface name/],
  ['wan.interface', 'eth:0', /^wan\.interface: must be an interface name/],
  ['wan.interface', 'eth 0', /^wan\.interface: must be an interface name/],
  ['wan.interface', '..', /^wan\.interface: must be an interface name/],
  ['wan.interface', 'eth0"', /^wan\.interface: must be an interface name/],
  ['wan.interface', 'eth0\n', /^wan\.interface: must not contain control characters$/],
  ['lan.interface', 'eth0', /^lan\.interface: names the same interface as wan\.interface$/],
  ['lan.ports', ['eth1', 'eth1'], /^lan\.ports\[1\]: names the same interface as lan\.ports\[0\]$/],
  ['lan.ports', 'eth1', /^lan\.ports: must be an array$/],
  ['lan.address', '192.168.8.1', /^lan\.address: must be the router's IPv4 address with a prefix length/],
  ['lan.address', '192.168.8.1/31', /^lan\.address: must be the router's IPv4 address/],
  ['lan.address', 'fd00::1/64', /^lan\.address: must be the router's IPv4 address/],
  ['lan.address', '192.168.8.0/24', /^lan\.address: must be a host address, not the network or broadcast/],
  ['lan.address', '192.168.8.255/24', /^lan\.address: must be a host address/],
  ['lan.ipv6Prefix', '2001:db8::1/64', /^lan\.ipv6Prefix: must be the router's unique local IPv6 address/],
  ['lan.ipv6Prefix', 'fd12:3456:789a::1/48', /^lan\.ipv6Prefix: must be the router's unique local IPv6 address/],
  ['lan.ipv6Prefix', 'fd12:3456:789a::/64', /^lan\.ipv6Prefix: must be a host address/],
  ['lan.dhcp.rangeStart', '10.0.0.5', /^lan\.dhcp\.rangeStart: must be a host address inside 192\.168\.8\.0\/24$/],
  ['lan.dhcp.rangeEnd', '192.168.8.255', /^lan\.dhcp\.rangeEnd: must be a host address inside 192\.168\.8\.0\/24$/],
  ['lan.dhcp.rangeEnd', '192.168.8.50', /^lan\.dhcp\.rangeEnd: must not come before rangeStart$/],
  ['lan.dhcp.rangeStart', '192.168.8.1', /^lan\.dhcp: the range must not include the router's own address$/],
  ['lan.dhcp.rangeStart', 'fd00::5', /^lan\.dhcp\.rangeStart: must be an IPv4 address/],
  ['lan.dhcp.leaseSeconds', 60, /^lan\.dhcp\.leaseSeconds: must be at least 120$/],
  ['lan.dhcp.leaseSeconds', 600.5, /^lan\.dhcp\.leaseSeconds: must be a whole number$/],
  ['lan.dhcp.extra', 1, /^lan\.dhcp: unknown key "extra"$/],
  ['tunnel.interface', 'eth1', /^tunnel\.interface: names the same interface as lan\.ports\[0\]$/],
  ['tunnel.privateKey', 'c2hvcnQ=', /^tunnel\.privateKey: a key must be 44 base64 characters, got 8$/],
  ['tunnel.addresses', [], /^tunnel\.addresses: must have at least 1 entry$/],
  ['tunnel.addresses', ['10.2.0.2'], /^tunnel\.addresses\[0\]: must be an address with a prefix length/],
  ['tunnel.addresses', ['192.168.8.77/32'], /^tunnel\.addresses\[0\]: overlaps the LAN subnet$/],
  ['tunnel.dns', ['1.1.1.1', 'dns.example'], /^tunnel\.dns\[1\]: must be an IPv4 or IPv6 address$/],
  ['tunnel.dns', ['fd00::1'], /^tunnel\.dns\[0\]: is outside every peer's allowedIps/],
  ['tunnel.mtu', 1279, /^tunnel\.mtu: must be at least 1280$/],
  ['tunnel.mtu', 9000, /^tunnel\.mtu: must be at most 1500$/],
  ['tunnel.listenPort', 0, /^tunnel\.listenPort: must be at least 1$/],
  ['tunnel.listenPort', 65536, /^tunnel\.listenPort: must be at most 65535$/],
  ['tunnel.fwmark', 0, /^tunnel\.fwmark: must be at least 1$/],
  ['tunnel.peers', [], /^tunnel\.peers: must have at least 1 entry$/],
  ['tunnel.peers.0.publicKey', 'not a key', /^tunnel\.peers\[0\]\.publicKey: a key must be 44 base64 characters/],
  ['tunnel.peers.0.endpoint', 'vpn.example.net', /^tunnel\.peers\[0\]\.endpoint: must be host:port/],
  ['tunnel.peers.0.endpoint', 'vpn.example.net:0', /^tunnel\.peers\[0\]\.endpoint: must be host:port/],
  ['tunnel.peers.0.endpoint', 'vpn.example.net:70000', /^tunnel\.peers\[0\]\.endpoint: must be host:port/],
  ['tunnel.peers.0.endpoint', '2001:db8::1:51820', /needs brackets\)$/],
  ['tunnel.peers.0.endpoint', '[192.0.2.1]:51820', /^tunnel\.peers\[0\]\.endpoint: must name a host/],
  ['tunnel.peers.0.endpoint', '-bad-.example:1', /^tunnel\.peers\[0\]\.endpoint: must name a host/],
  ['tunnel.peers.0.endpoint', '192.0.2.300:1', /^tunnel\.peers\[0\]\.endpoint: must name a host/],
  ['tunnel.peers.0.endpoint', 'vpn\u2028x:1', /^tunnel\.peers\[0\]\.endpoint: must not contain control characters$/],
  ['tunnel.peers.0.allowedIps', ['0.0.0.0/33'], /^tunnel\.peers\[0\]\.allowedIps\[0\]: must be a prefix/],
  ['tunnel.peers.0.persistentKeepalive', 70_000, /^tunnel\.peers\[0\]\.persistentKeepalive: must be at most 65535$/],
  ['tunnel.peers.0.name', 'home', /^tunnel\.peers\[0\]: unknown key "name"$/],
];

for (const [path, value, expected] of badFields) {
  test(`refused, naming the field: ${path} = ${JSON.stringify(value) ?? 'missing'}`, (t) => {
    const errors = errorsOf(withField(path, value));
    t.true(
      errors.some((error) => expected.test(error)),
      `got: ${errors.join(' | ')}`,
    );
  });
}

test('a second peer with the same key is refused', (t) => {
  const peer = (input().tunnel['peers'] as unknown[])[0];
  const errors = errorsOf(withField('tunnel.peers', [peer, peer]));
  t.deepEqual(errors, ['tunnel.peers[1].publicKey: repeats the key of peers[0]']);
});

test('errors never repeat a secret, wherever it was put', (t) => {
  const leaky = [
    withField('tunnel.privateKey', `${PRIVATE_KEY}\n`),
    withField('tunnel.privateKey', PRIVATE_KEY.slice(0, 43) + '$'),
    withField('tunnel.peers.0.presharedKey', PRESHARED_KEY.replace('=', '')),
    withField('wan.interface', PRIVATE_KEY),
    withField('tunnel.peers.0.endpoint', PRESHARED_KEY),
    withField('tunnel.dns', [PRIVATE_KEY]),
    { ...input(), [PRIVATE_KEY]: PRESHARED_KEY },
    withField('tunnel.privateKey', 12345),
  ];
  for (const state of leaky) {
    const errors = errorsOf(state).join('\n');
    for (const secret of SECRETS) {
      t.false(errors.includes(secret.slice(0, 12)), errors);
    }
  }
  t.regex(
    errorsOf({ ...input(), [PRIVATE_KEY]: 1 })[0]!,
    /^\(state\): unknown key \(a key that is not a field name\)$/,
  );
});

test('every problem is reported at once', (t) => {
  const errors = errorsOf({ version: 1, wan: {}, lan: { ports: [], address: 'x', dhcp: {} }, tunnel: {}, extra: 1 });
  t.deepEqual(errors, [
    'wan.interface: is required',
    "lan.address: must be the router's IPv4 address with a prefix length of 8-30, like 192.168.8.1/24",
    'lan.dhcp.rangeStart: is required',
    'lan.dhcp.rangeEnd: is required',
    'tunnel.privateKey: is required',
    'tunnel.addresses: is required',
    'tunnel.dns: is required',
    'tunnel.peers: is required',
    '(state): unknown key "extra"',
  ]);
  t.deepEqual(errorsOf('{"version":1}'), ['(state): must be an object']);
});

test('describeState is safe to log: keys redacted or shortened', (t) => {
  const text = describeState(valid(input()));
  for (const secret of SECRETS) {
    t.false(text.includes(secret.slice(0, 12)));
  }
  t.false(text.includes(PEER_KEY));
  t.true(text.includes('"publicKey":"xTIB…p8Dg"'));
  t.true(text.includes('"privateKey":"(redacted)"'));
  t.true(text.includes('"presharedKey":"(redacted)"'));
  t.true(text.includes('"endpoint":"vpn.example.net:51820"'));
  t.is(describeState(valid(withField('tunnel', null))), JSON.stringify(valid(withField('tunnel', null))));
});

function tunnelWith(addresses: string[], ...allowedIps: string[][]): TunnelState {
  const peers = allowedIps.map((ips, index) => ({
    publicKey: index === 0 ? PEER_KEY : PRESHARED_KEY,
    endpoint: 'vpn.example.net:51820',
    allowedIps: ips,
  }));
  return valid({ ...input(), tunnel: { ...input().tunnel, addresses, peers } }).tunnel!;
}

test('the tunnel carries IPv6 only with an IPv6 address and all of IPv6 routed to its peers', (t) => {
  t.true(tunnelCarriesIpv6(tunnelWith(['10.2.0.2/32', 'fd00::2/128'], ['0.0.0.0/0', '::/0'])));
  t.true(tunnelCarriesIpv6(tunnelWith(['10.2.0.2/32', 'fd00::2/128'], ['0.0.0.0/0', '::/1', '8000::/1'])));
  t.true(tunnelCarriesIpv6(tunnelWith(['10.2.0.2/32', 'fd00::2/128'], ['0.0.0.0/0', '::/1'], ['8000::/1'])));
  t.false(tunnelCarriesIpv6(tunnelWith(['10.2.0.2/32', 'fd00::2/128'], ['0.0.0.0/0', '::/1'])));
  t.false(tunnelCarriesIpv6(tunnelWith(['10.2.0.2/32', 'fd00::2/128'], ['0.0.0.0/0', '2000::/3'])));
  t.false(tunnelCarriesIpv6(tunnelWith(['10.2.0.2/32', 'fd00::2/128'], ['0.0.0.0/0'])));
  t.false(tunnelCarriesIpv6(tunnelWith(['10.2.0.2/32'], ['0.0.0.0/0', '::/0'])), 'no IPv6 address to send from');
});

test('endpoints split into host, port and whether the host still needs resolving', (t) => {
  t.deepEqual(splitEndpoint('vpn.example.net:51820'), { host: 'vpn.example.net', port: 51820, literal: false });
  t.deepEqual(splitEndpoint('192.0.2.1:1'), { host: '192.0.2.1', port: 1, literal: true });
  t.deepEqual(splitEndpoint('[2001:db8::1]:65535'), { host: '2001:db8::1', port: 65535, literal: true });
  t.deepEqual(splitEndpoint('vpn.example.net.:443'), { host: 'vpn.example.net.', port: 443, literal: false });
  for (const bad of [
    'vpn.example.net',
    ':51820',
    '[vpn.example.net]:1',
    'a_b.example:1',
    'x:99999',
    '[::1]',
    'a..b:1',
  ]) {
    t.true('problem' in splitEndpoint(bad), bad);
  }
});
