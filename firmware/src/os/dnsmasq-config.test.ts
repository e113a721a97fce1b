import test from 'ava';
import { parseDesiredState, type DesiredState, type DesiredStateInput } from '../control/desired-state.js';
import { renderDnsmasqConfig, type DnsmasqConfigPaths } from './dnsmasq-config.js';

const PATHS: DnsmasqConfigPaths = { leaseFile: '/data/dnsmasq.leases' };

const PEER_KEY = 'xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=';
const PRIVATE_KEY = 'yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=';

/** The lab's household: LAN 100.64.8.0/24 with ULA fd08::/64, tunnel 100.96.0.2 with its resolver on 100.96.0.1. */
function state(
  options: { tunnel?: 'none' | 'ipv4' | 'dual-stack'; ipv6Prefix?: boolean; killSwitch?: boolean } = {},
): DesiredState {
  const { tunnel = 'ipv4', ipv6Prefix = false, killSwitch = true } = options;
  const dualStack = tunnel === 'dual-stack';
  const input: DesiredStateInput = {
    version: 1,
    killSwitch,
    wan: { interface: 'eth0' },
    lan: {
      ports: ['lan1', 'lan2'],
      address: '100.64.8.1/24',
      ...(ipv6Prefix ? { ipv6Prefix: 'fd08::1/64' } : {}),
      dhcp: { rangeStart: '100.64.8.100', rangeEnd: '100.64.8.199', leaseSeconds: 3600 },
    },
    tunnel:
      tunnel === 'none'
        ? null
        : {
            privateKey: PRIVATE_KEY,
            addresses: dualStack ? ['100.96.0.2/32', 'fd96::2/128'] : ['100.96.0.2/32'],
            dns: dualStack ? ['100.96.0.1', 'fd96::1'] : ['100.96.0.1'],
            peers: [
              {
                publicKey: PEER_KEY,
                endpoint: '203.0.113.1:51820',
                allowedIps: dualStack ? ['0.0.0.0/0', '::/0'] : ['0.0.0.0/0'],
              },
            ],
          },
  };
  const result = parseDesiredState(input);
  if (!result.ok) {
    throw new Error(result.errors.join('; '));
  }
  return result.state;
}

const optionLines = (config: string, option: string): string[] =>
  config.split('\n').filter((line) => line.startsWith(`${option}=`) || line === option);

test('a typical household: the whole file', (t) => {
  t.is(
    renderDnsmasqConfig(state({ ipv6Prefix: true }), PATHS),
    `# dnsmasq for the LAN, rendered by burrowd from the desired state: every apply rewrites this file.

# The LAN bridge only, bound to its addresses as they come and go; never loopback, never the WAN.
interface=br-lan
except-interface=lo
bind-dynamic

# Nothing but this file: no /etc/resolv.conf, no /etc/hosts, no pid file unless asked for.
no-resolv
no-hosts
pid-file=

# DNS: names in .lan come from the leases and stay here; plain names and private reverse lookups are
# never forwarded; everything else goes only to the resolvers inside the tunnel.
domain=lan
local=/lan/
domain-needed
bogus-priv
# The router itself, by name: where the LAN finds its web page.
host-record=burrow.lan,100.64.8.1,fd08::1
server=100.96.0.1

# DHCPv4: the only DHCP server on the LAN, so it answers at once for addresses another server handed out;
# no ping before an offer, which would make every new device wait seconds for its first address.
dhcp-authoritative
no-ping
dhcp-range=100.64.8.100,100.64.8.199,255.255.255.0,3600
dhcp-option=option:router,100.64.8.1
dhcp-option=option:dns-server,100.64.8.1
dhcp-leasefile=/data/dnsmasq.leases

# IPv6: SLAAC in the prefix on the bridge, stateless DHCPv6 for the DNS server; the periodic adverts unlogged.
enable-ra
dhcp-range=::,constructor:br-lan,ra-stateless
quiet-ra
# The tunnel carries no IPv6: router lifetime 0, so devices get ULA addresses but no IPv6 default route.
ra-param=br-lan,0,0
`,
  );
});

test('the router answers as burrow.lan and as its host name in .lan, with its LAN addresses', (t) => {
  const names = (hostname: string | undefined, ipv6Prefix = false) =>
    optionLines(
      renderDnsmasqConfig(state({ ipv6Prefix }), { ...PATHS, ...(hostname ? { hostname } : {}) }),
      'host-record',
    );
  t.deepEqual(names(undefined), ['host-record=burrow.lan,100.64.8.1']);
  t.deepEqual(names('Attic-Router', true), ['host-record=burrow.lan,attic-router.lan,100.64.8.1,fd08::1']);
  t.deepEqual(names('box.example.org'), ['host-record=burrow.lan,box.lan,100.64.8.1'], 'the first label only');
  t.deepEqual(names('burrow'), ['host-record=burrow.lan,100.64.8.1'], 'once when the host is called burrow');
  for (const odd of ['localhost', 'under_score', '-dash', 'bad"quote', 'new\nline', 'a'.repeat(64)]) {
    t.deepEqual(names(odd), ['host-record=burrow.lan,100.64.8.1'], `${JSON.stringify(odd)} is not a name to answer`);
  }
});

test('with a tunnel: every tunnel resolver is an upstream, in the order given, and no other is', (t) => {
  const config = renderDnsmasqConfig(state({ tunnel: 'dual-stack' }), PATHS);
  t.deepEqual(optionLines(config, 'server'), ['server=100.96.0.1', 'server=fd96::1']);
  t.deepEqual(optionLines(config, 'no-resolv'), ['no-resolv']);
});

test('without a tunnel: no upstream servers at all, and DHCP and LAN names still served', (t) => {
  const config = renderDnsmasqConfig(state({ tunnel: 'none' }), PATHS);
  t.deepEqual(optionLines(config, 'server'), []);
  t.deepEqual(optionLines(config, 'no-resolv'), ['no-resolv']);
  t.regex(config, /^# No tunnel: no upstream servers/m);
  t.deepEqual(optionLines(config, 'dhcp-range'), ['dhcp-range=100.64.8.100,100.64.8.199,255.255.255.0,3600']);
  t.deepEqual(optionLines(config, 'local'), ['local=/lan/']);
});

test('the kill switch does not change DNS upstreams, nor anything else dnsmasq does', (t) => {
  for (const tunnel of ['none', 'ipv4', 'dual-stack'] as const) {
    t.is(
      renderDnsmasqConfig(state({ tunnel, ipv6Prefix: true, killSwitch: false }), PATHS),
      renderDnsmasqConfig(state({ tunnel, ipv6Prefix: true, killSwitch: true }), PATHS),
      tunnel,
    );
  }
});

const IPV6_CASES: ReadonlyArray<{
  name: string;
  tunnel: 'none' | 'ipv4' | 'dual-stack';
  ipv6Prefix: boolean;
  ra: string[];
  raParam: string[];
}> = [
  { name: 'no ULA prefix: no IPv6 service at all', tunnel: 'dual-stack', ipv6Prefix: false, ra: [], raParam: [] },
  {
    name: 'prefix and a dual-stack tunnel: adverts with the default router lifetime',
    tunnel: 'dual-stack',
    ipv6Prefix: true,
    ra: ['enable-ra'],
    raParam: [],
  },
  {
    name: 'prefix and an IPv4-only tunnel: router lifetime 0',
    tunnel: 'ipv4',
    ipv6Prefix: true,
    ra: ['enable-ra'],
    raParam: ['ra-param=br-lan,0,0'],
  },
  {
    name: 'prefix and no tunnel: router lifetime 0',
    tunnel: 'none',
    ipv6Prefix: true,
    ra: ['enable-ra'],
    raParam: ['ra-param=br-lan,0,0'],
  },
];

for (const { name, tunnel, ipv6Prefix, ra, raParam } of IPV6_CASES) {
  test(`IPv6, ${name}`, (t) => {
    const config = renderDnsmasqConfig(state({ tunnel, ipv6Prefix }), PATHS);
    t.deepEqual(optionLines(config, 'enable-ra'), ra);
    t.deepEqual(optionLines(config, 'ra-param'), raParam);
    t.deepEqual(
      optionLines(config, 'dhcp-range').filter((line) => line.includes('::')),
      ipv6Prefix ? ['dhcp-range=::,constructor:br-lan,ra-stateless'] : [],
    );
  });
}

test('an IPv6 tunnel address without ::/0 routed does not count as carrying IPv6', (t) => {
  const base = state({ tunnel: 'dual-stack', ipv6Prefix: true });
  const ipv4Routes = {
    ...base,
    tunnel: { ...base.tunnel!, peers: [{ ...base.tunnel!.peers[0]!, allowedIps: ['0.0.0.0/0', 'fd96::/64'] }] },
  };
  t.deepEqual(optionLines(renderDnsmasqConfig(ipv4Routes, PATHS), 'ra-param'), ['ra-param=br-lan,0,0']);
});

test('the netmask follows the LAN prefix, the interface its name', (t) => {
  const base = state();
  const wide: DesiredState = {
    ...base,
    lan: {
      ...base.lan,
      interface: 'lan-br0',
      address: '100.64.0.1/10',
      dhcp: { rangeStart: '100.64.1.0', rangeEnd: '100.127.255.254', leaseSeconds: 120 },
    },
  };
  const config = renderDnsmasqConfig(wide, PATHS);
  t.deepEqual(optionLines(config, 'dhcp-range'), ['dhcp-range=100.64.1.0,100.127.255.254,255.192.0.0,120']);
  t.deepEqual(optionLines(config, 'interface'), ['interface=lan-br0']);
});

test('a pid file, when asked for, is written where asked', (t) => {
  const config = renderDnsmasqConfig(state(), { ...PATHS, pidFile: '/data/run/dnsmasq.pid' });
  t.deepEqual(optionLines(config, 'pid-file'), ['pid-file=/data/run/dnsmasq.pid']);
});

test('deterministic: the same state renders the same bytes', (t) => {
  t.is(
    renderDnsmasqConfig(state({ ipv6Prefix: true }), PATHS),
    renderDnsmasqConfig(state({ ipv6Prefix: true }), PATHS),
  );
});

// States the schema would refuse, built around it, to show the renderer refuses them too.
const HOSTILE: ReadonlyArray<[string, (base: DesiredState) => DesiredState, RegExp]> = [
  [
    'a newline in the interface name',
    (base) => ({ ...base, lan: { ...base.lan, interface: 'br-lan\nserver=198.51.100.9' } }),
    /^lan\.interface: refusing a control character/,
  ],
  [
    'a newline in a tunnel resolver',
    (base) => ({ ...base, tunnel: { ...base.tunnel!, dns: ['100.96.0.1\nserver=198.51.100.9'] } }),
    /^tunnel\.dns\[0\]: refusing a control character in the dnsmasq config, got "100\.96\.0\.1\\nserver/,
  ],
  [
    'a carriage return in the range',
    (base) => ({ ...base, lan: { ...base.lan, dhcp: { ...base.lan.dhcp, rangeEnd: '100.64.8.199\r' } } }),
    /^lan\.dhcp\.rangeEnd: refusing a control character/,
  ],
  [
    'a DEL in the ULA prefix',
    (base) => ({ ...base, lan: { ...base.lan, ipv6Prefix: 'fd08::1/64\u007f' } }),
    /^lan\.ipv6Prefix: refusing a control character/,
  ],
  [
    'a LAN address that is not one',
    (base) => ({ ...base, lan: { ...base.lan, address: '100.64.8.1/24\nport=0' } }),
    /^lan\.address: expected an IPv4 address/,
  ],
  [
    'a fractional lease time',
    (base) => ({ ...base, lan: { ...base.lan, dhcp: { ...base.lan.dhcp, leaseSeconds: 3600.5 } } }),
    /^lan\.dhcp\.leaseSeconds: expected whole seconds/,
  ],
];

for (const [what, mutate, message] of HOSTILE) {
  test(`refuses ${what}`, (t) => {
    t.throws(() => renderDnsmasqConfig(mutate(state({ ipv6Prefix: true })), PATHS), { message });
  });
}

for (const [what, leaseFile] of [
  ['a relative lease file path', 'data/dnsmasq.leases'],
  ['a newline in the lease file path', '/data/x\nserver=198.51.100.9'],
  ['a # in the lease file path', '/data/#leases'],
  ['a space in the lease file path', '/data/my leases'],
] as const) {
  test(`refuses ${what}`, (t) => {
    t.throws(() => renderDnsmasqConfig(state(), { leaseFile }), { message: /^leaseFile: / });
  });
}

test('reservations become dhcp-host lines (MAC order, the name when given), the domain comes from the state', (t) => {
  const base = state();
  const household: DesiredState = {
    ...base,
    lan: {
      ...base.lan,
      domain: 'home.arpa',
      reservations: [
        { mac: '3c:22:fb:12:34:56', ipv4: '100.64.8.20', hostname: 'printer' },
        { mac: '02:b7:64:08:00:01', ipv4: '100.64.8.10' },
      ],
    },
  };
  const config = renderDnsmasqConfig(household, { ...PATHS, hostname: 'gw' });
  t.deepEqual(optionLines(config, 'dhcp-host'), [
    'dhcp-host=02:b7:64:08:00:01,100.64.8.10',
    'dhcp-host=3c:22:fb:12:34:56,100.64.8.20,printer',
  ]);
  t.deepEqual(optionLines(config, 'domain'), ['domain=home.arpa']);
  t.deepEqual(optionLines(config, 'local'), ['local=/home.arpa/']);
  t.deepEqual(optionLines(config, 'host-record'), ['host-record=burrow.home.arpa,gw.home.arpa,100.64.8.1']);
  t.false(config.includes('.lan'), 'the default domain is nowhere');

  const plain = renderDnsmasqConfig(base, PATHS);
  t.deepEqual(optionLines(plain, 'dhcp-host'), [], 'no reservation, no dhcp-host line');
  t.deepEqual(optionLines(plain, 'domain'), ['domain=lan']);
});

test('a reservation or domain that could break out of its line is refused, past the schema', (t) => {
  const base = state();
  const withLan = (lan: Partial<DesiredState['lan']>): DesiredState => ({ ...base, lan: { ...base.lan, ...lan } });
  const render = (lan: Partial<DesiredState['lan']>) => () => renderDnsmasqConfig(withLan(lan), PATHS);
  t.throws(render({ reservations: [{ mac: '02:b7:64:08:00:01,ignore', ipv4: '100.64.8.10' }] }), {
    message: /lan\.reservations\[0\]\.mac/,
  });
  t.throws(render({ reservations: [{ mac: '02:b7:64:08:00:01', ipv4: '100.64.8.10\nserver=8.8.8.8' }] }), {
    message: /lan\.reservations\[0\]\.ipv4/,
  });
  t.throws(render({ reservations: [{ mac: '02:b7:64:08:00:01', ipv4: 'fd08::10' }] }), {
    message: /lan\.reservations\[0\]\.ipv4/,
  });
  t.throws(render({ reservations: [{ mac: '02:b7:64:08:00:01', ipv4: '100.64.8.10', hostname: 'a,b' }] }), {
    message: /hostname/,
  });
  t.throws(render({ domain: 'lan/\nserver=8.8.8.8' }), { message: /lan\.domain/ });
});
