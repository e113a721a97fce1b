// The kill-switch renderer: table tests on the text of every variant, determinism, and every variant loaded by the
// real nft(8) inside a throwaway network namespace, proving its syntax for the nft on this machine.
import test from 'ava';
import { parseDesiredState, type DesiredState, type DesiredStateInput } from '../control/desired-state.js';
import { applyRuleset, checkRuleset } from './nft-apply.js';
import { renderRuleset, rulesetFingerprint, type ResolvedEndpoints } from './nft-ruleset.js';
import { throwawayNamespace } from './testing/namespaces.js';

const PRIVATE_KEY = 'yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=';
const PEER_KEY = 'xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=';
const SECOND_PEER_KEY = 'TrMvSoP4jYQlY6RIzBgbssQqY3vxI2Pi+y71lOWWXX0=';

const V4_TUNNEL: NonNullable<DesiredStateInput['tunnel']> = {
  privateKey: PRIVATE_KEY,
  addresses: ['10.2.0.2/32'],
  dns: ['10.2.0.1'],
  peers: [{ publicKey: PEER_KEY, endpoint: 'vpn.example.net:51820', allowedIps: ['0.0.0.0/0'] }],
};

const DUAL_TUNNEL: NonNullable<DesiredStateInput['tunnel']> = {
  ...V4_TUNNEL,
  addresses: ['10.2.0.2/32', 'fd00:2::2/128'],
  dns: ['fd00:2::1', '10.2.0.1'],
  peers: [{ publicKey: PEER_KEY, endpoint: 'vpn.example.net:51820', allowedIps: ['0.0.0.0/0', '::/0'] }],
};

function state(changes: Partial<DesiredStateInput> & { ipv6Prefix?: string }): DesiredState {
  const { ipv6Prefix, ...rest } = changes;
  const result = parseDesiredState({
    version: 1,
    wan: { interface: 'eth0' },
    lan: {
      ports: ['eth1'],
      address: '192.168.8.1/24',
      ...(ipv6Prefix === undefined ? {} : { ipv6Prefix }),
      dhcp: { rangeStart: '192.168.8.100', rangeEnd: '192.168.8.250' },
    },
    tunnel: V4_TUNNEL,
    ...rest,
  });
  if (!result.ok) {
    throw new Error(result.errors.join('; '));
  }
  return result.state;
}

const ONE_ENDPOINT: ResolvedEndpoints = { endpoints: [{ address: '198.51.100.7', port: 51820 }] };
const MANY_ENDPOINTS: ResolvedEndpoints = {
  endpoints: [
    { address: '2001:db8::7', port: 51820 },
    { address: '198.51.100.7', port: 51820 },
    { address: '::ffff:198.51.100.7', port: 51820 },
    { address: '192.0.2.9', port: 443 },
    { address: '2001:DB8::7', port: 51820 },
  ],
};

interface Variant {
  readonly name: string;
  readonly state: DesiredState | null;
  readonly resolved: ResolvedEndpoints;
  /** Lines (trimmed) that must be in the text, and fragments that must not be anywhere in it. */
  readonly has: readonly string[];
  readonly hasNot: readonly string[];
}

const LAN_TO_TUNNEL = 'iifname "br-lan" oifname "wg0" ip saddr 192.168.8.0/24 accept comment "LAN to the tunnel"';
const LAN6_TO_TUNNEL =
  'iifname "br-lan" oifname "wg0" ip6 saddr fd12:3456:789a::/64 accept comment "LAN IPv6 to the tunnel"';
const LAN_TO_WAN =
  'iifname "br-lan" oifname "eth0" ip saddr 192.168.8.0/24 accept comment "kill switch off: LAN IPv4 may use the WAN"';
const KILL_SWITCH_REJECT =
  'iifname "br-lan" counter reject with icmpx admin-prohibited comment "kill switch: the LAN leaves only through the tunnel"';
const IPV6_REJECT =
  'iifname "br-lan" counter reject with icmpx admin-prohibited comment "LAN IPv6 leaves only through a tunnel that carries it"';
const OUTPUT_CHAIN = 'type filter hook output priority filter; policy drop;';
const ROUTER_DNS_TO_WAN =
  'meta skuid 0 meta l4proto { tcp, udp } th dport 53 accept comment "DNS by the router itself to resolve endpoint names"';
const ROUTER_NTP_TO_WAN = 'udp dport 123 accept comment "NTP by the router itself"';
const BLOCKED_REJECT =
  'iifname "br-lan" ether saddr @dev_blocked counter reject with icmpx admin-prohibited comment "blocked device: reaches only the router"';
const DIRECT_MARK =
  'iifname "br-lan" ether saddr @dev_direct meta nfproto ipv4 meta mark set 0xd1ec comment "direct device: IPv4 routed by the main table"';
const COUNTING = [
  'type filter hook forward priority filter + 10; policy accept;',
  'iifname "br-lan" update @dev_tx { ether saddr counter }',
  'oifname "br-lan" update @dev_rx_v4 { ip daddr counter }',
  'oifname "br-lan" update @dev_rx_v6 { ip6 daddr counter }',
];
const ENGINE_TO_ENDPOINTS =
  'meta mark 0xca6c ip daddr . udp dport @endpoints_v4 accept comment "encrypted tunnel packets"';

const variants: Variant[] = [
  {
    name: 'minimal table (no desired state yet)',
    state: null,
    resolved: { endpoints: [] },
    has: ['type filter hook forward priority filter; policy drop;'],
    hasNot: ['chain input', 'chain output', 'accept', 'nat'],
  },
  {
    name: 'kill switch on, no tunnel: forwarding blocked, the router still serves the LAN',
    state: state({ tunnel: null }),
    resolved: { endpoints: [] },
    has: [
      KILL_SWITCH_REJECT,
      OUTPUT_CHAIN,
      'iifname "br-lan" jump input_lan',
      'udp sport 68 udp dport 67 accept comment "DHCP client"',
      ROUTER_DNS_TO_WAN,
    ],
    hasNot: ['oifname "eth0" ip saddr', 'wg0', 'masquerade', 'set endpoints'],
  },
  {
    name: 'kill switch off, no tunnel: LAN IPv4 out the WAN, IPv6 still not',
    state: state({ killSwitch: false, tunnel: null }),
    resolved: { endpoints: [] },
    has: [
      LAN_TO_WAN,
      IPV6_REJECT,
      'oifname "eth0" ip saddr 192.168.8.0/24 masquerade comment "kill switch off: LAN IPv4 out the WAN"',
    ],
    hasNot: ['chain output_wan', 'wg0'],
  },
  {
    name: 'kill switch on, IPv4-only tunnel',
    state: state({}),
    resolved: ONE_ENDPOINT,
    has: [
      LAN_TO_TUNNEL,
      KILL_SWITCH_REJECT,
      OUTPUT_CHAIN,
      ENGINE_TO_ENDPOINTS,
      'elements = { 198.51.100.7 . 51820 }',
      'elements = { 10.2.0.1 }',
      'ip daddr @tunnel_dns_v4 drop comment "the tunnel\'s resolvers only through the tunnel"',
      ROUTER_DNS_TO_WAN,
      ROUTER_NTP_TO_WAN,
      'oifname "wg0" masquerade',
      'iifname "br-lan" meta l4proto { tcp, udp } th dport 53 redirect to :53 comment "all LAN DNS goes to the router"',
      'ip saddr . udp sport @endpoints_v4 accept comment "tunnel endpoints"',
    ],
    hasNot: [LAN_TO_WAN, 'ip6 saddr fd12', 'udp sport 51820'],
  },
  {
    name: 'kill switch on, dual-stack tunnel and a LAN IPv6 prefix: LAN IPv6 through the tunnel',
    state: state({ tunnel: DUAL_TUNNEL, ipv6Prefix: 'fd12:3456:789a::1/64' }),
    resolved: ONE_ENDPOINT,
    has: [LAN_TO_TUNNEL, LAN6_TO_TUNNEL, KILL_SWITCH_REJECT, 'elements = { fd00:2::1 }'],
    hasNot: [LAN_TO_WAN],
  },
  {
    name: 'IPv6 prefix on the LAN but an IPv4-only tunnel: no LAN IPv6 forwarded',
    state: state({ ipv6Prefix: 'fd12:3456:789a::1/64' }),
    resolved: ONE_ENDPOINT,
    has: [LAN_TO_TUNNEL, KILL_SWITCH_REJECT],
    hasNot: ['ip6 saddr fd12'],
  },
  {
    name: 'kill switch off, dual-stack tunnel: IPv4 may fall back to the WAN, IPv6 only through the tunnel',
    state: state({ killSwitch: false, tunnel: DUAL_TUNNEL, ipv6Prefix: 'fd12:3456:789a::1/64' }),
    resolved: ONE_ENDPOINT,
    has: [LAN_TO_TUNNEL, LAN6_TO_TUNNEL, LAN_TO_WAN, IPV6_REJECT, 'oifname "wg0" masquerade'],
    hasNot: ['chain output_wan', 'tunnel_dns'],
  },
  {
    name: 'several endpoints of both families, a fixed port, other names and fwmark',
    state: state({
      wan: { interface: 'wan0' },
      lan: {
        interface: 'lan0',
        ports: [],
        address: '10.10.0.1/16',
        dhcp: { rangeStart: '10.10.1.1', rangeEnd: '10.10.1.200' },
      },
      tunnel: {
        ...DUAL_TUNNEL,
        interface: 'tun-vpn',
        listenPort: 51000,
        fwmark: 0x1234,
        peers: [
          ...DUAL_TUNNEL.peers,
          { publicKey: SECOND_PEER_KEY, endpoint: '[2001:db8::7]:51820', allowedIps: ['10.99.0.0/16'] },
        ],
      },
    }),
    resolved: MANY_ENDPOINTS,
    has: [
      'elements = { 192.0.2.9 . 443, 198.51.100.7 . 51820 }',
      'elements = { 2001:db8::7 . 51820 }',
      'meta mark 0x1234 ip6 daddr . udp dport @endpoints_v6 accept comment "encrypted tunnel packets"',
      'udp sport 51000 ip daddr . udp dport @endpoints_v4 accept comment "encrypted tunnel packets"',
      'ip saddr . udp sport @endpoints_v4 udp dport 51000 accept comment "tunnel endpoints"',
      'iifname "lan0" oifname "tun-vpn" ip saddr 10.10.0.0/16 accept comment "LAN to the tunnel"',
      'oifname "wan0" jump output_wan',
    ],
    hasNot: ['"br-lan"', '"eth0"', '"wg0"', 'ip6 saddr fd12'],
  },
  {
    name: 'device policies, kill switch on: blocked rejected first, direct IPv4 marked, let out and masqueraded',
    state: state({
      lan: {
        ports: ['eth1'],
        address: '192.168.8.1/24',
        dhcp: { rangeStart: '192.168.8.100', rangeEnd: '192.168.8.250' },
        policies: [
          { mac: '02:00:00:00:00:0B', policy: 'blocked' },
          { mac: '02:00:00:00:00:0d', policy: 'direct' },
          { mac: '02-00-00-00-00-0a', policy: 'blocked' },
        ],
      },
    }),
    resolved: ONE_ENDPOINT,
    has: [
      'elements = { 02:00:00:00:00:0a, 02:00:00:00:00:0b }',
      'elements = { 02:00:00:00:00:0d }',
      BLOCKED_REJECT,
      DIRECT_MARK,
      'iifname "br-lan" oifname "eth0" ether saddr @dev_direct ip saddr 192.168.8.0/24 accept comment "direct device: IPv4 out the WAN, the admin\'s exception"',
      'iifname "eth0" oifname "br-lan" meta nfproto ipv4 ct state established,related accept comment "replies to direct devices"',
      'oifname "eth0" meta mark 0xd1ec ip saddr 192.168.8.0/24 masquerade comment "direct devices out the WAN"',
      LAN_TO_TUNNEL,
      KILL_SWITCH_REJECT,
      ...COUNTING,
    ],
    hasNot: [LAN_TO_WAN, 'ip6 saddr @dev_direct', 'meta nfproto ipv6 meta mark'],
  },
  {
    name: 'no device policy: the policy sets are declared empty, no rule uses them; bytes are still counted',
    state: state({ killSwitch: false }),
    resolved: ONE_ENDPOINT,
    has: ['set dev_blocked {', 'set dev_direct {', 'flags dynamic', ...COUNTING],
    hasNot: ['@dev_blocked', '@dev_direct', 'chain mark_direct', '0xd1ec'],
  },
  {
    name: 'endpoint names not resolved yet: empty sets, the engine may send nowhere',
    state: state({}),
    resolved: { endpoints: [] },
    has: [ENGINE_TO_ENDPOINTS, KILL_SWITCH_REJECT],
    hasNot: ['elements = { 198'],
  },
];

for (const variant of variants) {
  test(`renders: ${variant.name}`, (t) => {
    const text = renderRuleset(variant.state, variant.resolved);
    const lines = new Set(text.split('\n').map((line) => line.trim()));
    for (const line of variant.has) {
      t.true(lines.has(line), `missing line: ${line}`);
    }
    for (const fragment of variant.hasNot) {
      t.false(text.includes(fragment), `unexpected: ${fragment}`);
    }
  });
}

test('every variant replaces the table atomically, matches interfaces by name and carries a fingerprint', (t) => {
  const fingerprints = new Map<string, string>();
  for (const { state: desired, resolved } of variants) {
    const text = renderRuleset(desired, resolved);
    t.true(text.includes('\ntable inet burrow {}\ndelete table inet burrow\ntable inet burrow {\n'));
    t.false(/\b(oif|iif) /.test(text), 'interface indexes die with the interface; names do not');
    t.regex(text, /chain forward \{\n\t\ttype filter hook forward priority filter; policy drop;\n/);
    const fingerprint = rulesetFingerprint(text);
    t.regex(fingerprint ?? '', /^burrow ruleset v3 sha256:[0-9a-f]{64}$/);
    fingerprints.set(text, fingerprint!);
  }
  t.is(new Set(fingerprints.values()).size, fingerprints.size, 'different rulesets, different fingerprints');
  t.true(fingerprints.size >= variants.length - 1, 'only the LAN prefix with an IPv4-only tunnel renders the same');
});

test('the same state renders the same bytes, whatever the order or spelling of the endpoints', (t) => {
  const desired = variants.at(-2)!.state;
  const shuffled = { endpoints: [...MANY_ENDPOINTS.endpoints].reverse() };
  t.is(renderRuleset(desired, MANY_ENDPOINTS), renderRuleset(desired, shuffled));
  t.not(renderRuleset(desired, MANY_ENDPOINTS), renderRuleset(desired, ONE_ENDPOINT));
});

test('the renderer refuses what it cannot render safely, even past the schema', (t) => {
  const desired = state({});
  t.throws(() => renderRuleset(desired, { endpoints: [{ address: 'vpn.example.net', port: 51820 }] }), {
    message: /not a numeric address/,
  });
  t.throws(() => renderRuleset(desired, { endpoints: [{ address: '192.0.2.1', port: 0 }] }), { message: /port/ });
  const injected = { ...desired, wan: { interface: 'eth0" accept #' } };
  t.throws(() => renderRuleset(injected, ONE_ENDPOINT), { message: /not a valid interface name/ });
});

/** The trimmed rules of a chain in rendered text; undefined when it has no such chain. */
function chainRules(text: string, name: string): string[] | undefined {
  const lines = text.split('\n');
  const start = lines.indexOf(`\tchain ${name} {`);
  return start === -1 ? undefined : lines.slice(start + 1, lines.indexOf('\t}', start)).map((line) => line.trim());
}

test("DNS leaves by the WAN only from root's sockets, after the tunnel's resolvers are dropped", (t) => {
  let withOutput = 0;
  for (const { name, state: desired, resolved } of variants) {
    const text = renderRuleset(desired, resolved);
    const outputWan = chainRules(text, 'output_wan');
    if (outputWan === undefined) {
      // Kill switch off (or the minimal table): at most an output chain whose only rule keeps the LAN's DNS, which
      // dnsmasq forwards as an unprivileged user, off the WAN.
      const output = chainRules(text, 'output') ?? [];
      t.deepEqual(
        output.filter((line) => line.includes('dport 53')),
        output.length === 0
          ? []
          : [output.find((line) => line.includes('meta skuid != 0') && line.includes(' drop '))!],
        name,
      );
      continue;
    }
    withOutput++;
    // dnsmasq forwards the LAN's queries as an unprivileged user: none of them may match an accept here.
    t.deepEqual(
      outputWan.filter((line) => line.includes('dport 53')),
      [ROUTER_DNS_TO_WAN],
      name,
    );
    const dnsAt = outputWan.indexOf(ROUTER_DNS_TO_WAN);
    const resolversDropped = outputWan.findIndex((line) => line.startsWith('ip daddr @tunnel_dns_v4 drop'));
    t.true(desired?.tunnel === null || (resolversDropped !== -1 && resolversDropped < dnsAt), name);
    // The router's own clock: NTP out the WAN, in this chain only (forwarded LAN packets never pass it).
    t.deepEqual(
      outputWan.filter((line) => line.includes('dport 123')),
      [ROUTER_NTP_TO_WAN],
      name,
    );
    t.false(
      text.split('\n').some((line) => line.includes('dport 123') && line.trim() !== ROUTER_NTP_TO_WAN),
      name,
    );
    t.is(outputWan.at(-1), 'counter drop comment "kill switch: nothing else from the router leaves through the WAN"');
  }
  t.is(
    withOutput,
    variants.filter((variant) => variant.state?.killSwitch === true).length,
    'every kill-switch-on variant has the chain',
  );
});

test('the resolvers of profiles not in force are dropped on the WAN too, so a switch cannot leak a query to them', (t) => {
  const text = renderRuleset(state({ tunnel: V4_TUNNEL }), {
    ...ONE_ENDPOINT,
    otherResolvers: ['100.96.1.1', 'fd96:1::1', '100.96.1.1'],
  });
  const resolverSet = (name: string) => new RegExp(`set ${name} \\{[^}]*elements = \\{ ([^}]*) \\}`).exec(text)?.[1];
  t.deepEqual(resolverSet('tunnel_dns_v4')?.split(', '), [...new Set([...V4_TUNNEL.dns, '100.96.1.1'])].sort());
  t.is(resolverSet('tunnel_dns_v6'), 'fd96:1::1');
});

test('from the WAN the router answers nothing but its tunnel, DHCP and IPv6 link traffic: never the web page', (t) => {
  let full = 0;
  for (const { name, state: desired, resolved } of variants) {
    const text = renderRuleset(desired, resolved);
    const input = chainRules(text, 'input');
    const inputWan = chainRules(text, 'input_wan');
    if (desired === null) {
      t.is(input, undefined, `${name}: no input chain before a desired state (burrowd then serves nothing)`);
      continue;
    }
    full++;
    t.is(input?.[0], 'type filter hook input priority filter; policy drop;', name);
    t.true(input!.includes(`iifname "${desired.wan.interface}" jump input_wan`), name);
    // Every accept from the WAN, in full: anything else falls to the drops at the end.
    const accepts = inputWan!.filter((line) => line.includes(' accept'));
    const allowed = [
      'udp sport 67 udp dport 68 accept comment "DHCP replies"',
      'ip6 saddr fe80::/10 udp sport 547 udp dport 546 accept comment "DHCPv6 replies"',
      'icmpv6 type { nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert, mld-listener-query } accept comment "IPv6 on the WAN link"',
    ];
    const endpoints = accepts.filter((line) => !allowed.includes(line));
    t.true(
      endpoints.every((line) =>
        /^ip6? saddr \. udp sport @endpoints_v[46]( udp dport \d+)? accept comment "tunnel endpoints"$/.test(line),
      ),
      `${name}: only the tunnel's endpoints besides DHCP and IPv6 link traffic: ${endpoints.join(' | ')}`,
    );
    t.is(endpoints.length, desired.tunnel === null ? 0 : 2, name);
    t.false(
      accepts.some((line) => /\b(80|443|tcp)\b/.test(line)),
      `${name}: no TCP accepted from the WAN`,
    );
    t.deepEqual(
      inputWan!.slice(-2),
      [
        'tcp dport { 80, 443 } counter drop comment "the web interface is never served to the WAN"',
        'counter drop comment "nothing else from the WAN reaches the router"',
      ],
      `${name}: dropped, not rejected: a scan from the WAN gets no answer`,
    );
    t.false(
      inputWan!.some((line) => line.includes('reject')),
      name,
    );
    // The LAN still reaches the web interface.
    t.true(chainRules(text, 'input_lan')!.includes('tcp dport { 80, 443 } accept comment "web interface"'), name);
  }
  t.is(full, variants.length - 1);
});

const asRoot = process.getuid?.() === 0 ? test : test.skip;

asRoot('nft accepts and loads every variant, one after the other in the same namespace', async (t) => {
  const nft = await throwawayNamespace(t, 'nft');
  for (const { name, state: desired, resolved } of variants) {
    const text = renderRuleset(desired, resolved);
    await t.notThrowsAsync(checkRuleset(nft, text), name);
    const loaded = await applyRuleset(nft, text);
    t.is(loaded.fingerprint, rulesetFingerprint(text), name);
  }
});
