import test from 'ava';
import { UapiErrno, UapiError } from '../engine/device-change.js';
import { parseEndpoint, parseSetRequest, renderGetReply, renderSetRequest } from './uapi-protocol.js';

const KEY_A = 'a'.repeat(64);
const KEY_B = 'b'.repeat(64);

test('parses device keys and peers in order', (t) => {
  const change = parseSetRequest([
    `private_key=${KEY_A}`,
    'listen_port=51820',
    'fwmark=51',
    'replace_peers=true',
    `public_key=${KEY_B}`,
    'endpoint=[2001:db8::1]:51820',
    'persistent_keepalive_interval=25',
    'replace_allowed_ips=true',
    'allowed_ip=10.0.0.0/24',
    'allowed_ip=-10.9.0.1/32',
    'protocol_version=1',
  ]);
  t.is(change.listenPort, 51820);
  t.is(change.fwmark, 51);
  t.true(change.replacePeers);
  t.is(change.peers.length, 1);
  const peer = change.peers[0]!;
  t.is(Buffer.from(peer.publicKey).toString('hex'), KEY_B);
  t.is(peer.endpoint?.toString(), '[2001:db8::1]:51820');
  t.is(peer.persistentKeepaliveInterval, 25);
  t.true(peer.replaceAllowedIps);
  t.deepEqual(
    peer.allowedIps.map((a) => [a.prefix.cidr, a.remove]),
    [
      [24, false],
      [32, true],
    ],
  );
});

test('an empty fwmark clears it, as wg(8) sends when told "off"', (t) => {
  t.is(parseSetRequest(['fwmark=']).fwmark, 0);
});

const malformed: Array<[string, string[]]> = [
  ['short key', ['private_key=abcd']],
  ['uppercase hex key', [`private_key=${'A'.repeat(64)}`]],
  ['port out of range', ['listen_port=65536']],
  ['negative port', ['listen_port=-1']],
  ['fwmark too big', ['fwmark=4294967296']],
  ['replace_peers=false', ['replace_peers=false']],
  ['unknown device key', ['frobnicate=1']],
  ['peer key before any public_key', ['endpoint=192.0.2.1:1']],
  ['not key=value', ['garbage']],
  ['empty key', ['=1']],
  ['hostname endpoint', [`public_key=${KEY_A}`, 'endpoint=vpn.example:51820']],
  ['endpoint port 0', [`public_key=${KEY_A}`, 'endpoint=192.0.2.1:0']],
  ['unbracketed IPv6 endpoint', [`public_key=${KEY_A}`, 'endpoint=2001:db8::1:51820']],
  ['bad allowed ip', [`public_key=${KEY_A}`, 'allowed_ip=10.0.0.0/33']],
  ['protocol version 2', [`public_key=${KEY_A}`, 'protocol_version=2']],
  ['unknown peer key', [`public_key=${KEY_A}`, 'listen_port=1']],
  ['keepalive too big', [`public_key=${KEY_A}`, 'persistent_keepalive_interval=70000']],
];

for (const [name, lines] of malformed) {
  test(`refuses a set with ${name} (EINVAL)`, (t) => {
    const error = t.throws(() => parseSetRequest(lines), { instanceOf: UapiError });
    t.is(error.errno, UapiErrno.invalid);
  });
}

test('endpoints round-trip', (t) => {
  for (const text of ['192.0.2.1:51820', '[2001:db8::1]:1']) {
    t.is(parseEndpoint(text).toString(), text);
  }
});

test('renders a get reply in wireguard-go order', (t) => {
  const reply = renderGetReply({
    privateKey: new Uint8Array(32).fill(0xaa),
    listenPort: 51820,
    fwmark: 0,
    peers: [
      {
        publicKey: new Uint8Array(32).fill(0xbb),
        presharedKey: null,
        endpoint: parseEndpoint('192.0.2.1:51820'),
        lastHandshakeUnixMs: 1_700_000_000_250,
        txBytes: 10n,
        rxBytes: 20n,
        persistentKeepaliveInterval: 25,
        allowedIps: [{ family: 4, bytes: Uint8Array.of(10, 0, 0, 0), cidr: 24 }],
      },
    ],
  });
  t.is(
    reply,
    [
      `private_key=${KEY_A}`,
      'listen_port=51820',
      `public_key=${KEY_B}`,
      `preshared_key=${'0'.repeat(64)}`,
      'protocol_version=1',
      'endpoint=192.0.2.1:51820',
      'last_handshake_time_sec=1700000000',
      'last_handshake_time_nsec=250000000',
      'tx_bytes=10',
      'rx_bytes=20',
      'persistent_keepalive_interval=25',
      'allowed_ip=10.0.0.0/24',
      '',
    ].join('\n'),
  );
});

test('renderSetRequest is the inverse of parseSetRequest', (t) => {
  const lines = [
    `private_key=${KEY_A}`,
    'listen_port=51820',
    'fwmark=51820',
    'replace_peers=true',
    `public_key=${KEY_B}`,
    `preshared_key=${KEY_A}`,
    'endpoint=[2001:db8::1]:51820',
    'persistent_keepalive_interval=25',
    'replace_allowed_ips=true',
    'allowed_ip=10.0.0.0/24',
    'allowed_ip=-10.9.0.1/32',
    `public_key=${KEY_A}`,
    'remove=true',
  ];
  const rendered = renderSetRequest(parseSetRequest(lines));
  t.is(rendered, ['set=1', ...lines, '', ''].join('\n'));
});
