// The household's parts of the desired state: MACs, reservations and policies on the LAN, and remote access
// beside the rest (subnets clear of each other, device keys and addresses distinct, expiry in force).
import test from 'ava';
import { parseDesiredState } from './desired-state.js';
import { activeRemotePeers, macAddress, redactRemoteAccess, remoteAccessSchema } from './household-state.js';
import { nextRemoteExpiry, remoteEngineChange } from './remote-engine-config.js';

const key = (byte: number) => Buffer.alloc(32, byte).toString('base64');

const REMOTE = {
  privateKey: key(9),
  addresses: ['10.99.0.1/24', 'fd99::1/64'],
  peers: [
    { id: 1, publicKey: key(1), allowedIps: ['10.99.0.2/32', 'fd99::2/128'], reach: 'lan' },
    { id: 2, publicKey: key(2), presharedKey: key(7), allowedIps: ['10.99.0.3'], reach: 'internet' },
  ],
};

function state(changes: { lan?: Record<string, unknown>; remoteAccess?: unknown; tunnel?: unknown } = {}) {
  return parseDesiredState({
    version: 1,
    wan: { interface: 'wan0' },
    lan: {
      ports: ['lan1p'],
      address: '100.64.8.1/24',
      ipv6Prefix: 'fd08::1/64',
      dhcp: { rangeStart: '100.64.8.100', rangeEnd: '100.64.8.199' },
      ...changes.lan,
    },
    tunnel:
      changes.tunnel === undefined
        ? {
            privateKey: key(8),
            addresses: ['100.96.0.2/32'],
            dns: ['100.96.0.1'],
            listenPort: 51000,
            peers: [{ publicKey: key(10), endpoint: '203.0.113.1:51820', allowedIps: ['0.0.0.0/0'] }],
          }
        : changes.tunnel,
    remoteAccess: changes.remoteAccess === undefined ? REMOTE : changes.remoteAccess,
  });
}

function errors(result: ReturnType<typeof state>): string {
  return result.ok ? '' : result.errors.join('\n');
}

test('remote access gets its defaults and canonical host addresses', (t) => {
  const result = state();
  if (!result.ok) {
    t.fail(errors(result));
    return;
  }
  const remote = result.state.remoteAccess!;
  t.is(remote.interface, 'wg1');
  t.is(remote.listenPort, 51820);
  t.is(remote.fwmark, 0xca6d);
  t.deepEqual(remote.peers[1]!.allowedIps, ['10.99.0.3/32']);
});

test('a MAC is canonical lowercase with colons; anything else, or a group address, is refused', (t) => {
  t.is(macAddress.parse('3C-22-FB-12-34-56'), '3c:22:fb:12:34:56');
  for (const bad of ['3c:22:fb:12:34', '3c:22:fb:12:34:5g', '3c:22-fb:12:34:56', '01:00:5e:00:00:01', '']) {
    t.false(macAddress.safeParse(bad).success, bad);
  }
  const result = state({ lan: { policies: [{ mac: 'not-a-mac', policy: 'blocked' }] } });
  t.regex(errors(result), /lan\.policies\[0\]\.mac/);
});

test('reservations: inside the subnet, not the router, one per MAC and per address; one policy per MAC', (t) => {
  const mac = '02:00:00:00:00:01';
  t.regex(errors(state({ lan: { reservations: [{ mac, ipv4: '100.64.9.5' }] } })), /reservations\[0\]\.ipv4/);
  t.regex(errors(state({ lan: { reservations: [{ mac, ipv4: '100.64.8.1' }] } })), /reservations\[0\]\.ipv4/);
  t.regex(
    errors(
      state({
        lan: {
          reservations: [
            { mac, ipv4: '100.64.8.20' },
            { mac: mac.toUpperCase(), ipv4: '100.64.8.21' },
          ],
        },
      }),
    ),
    /reservations\[1\]\.mac: has another reservation/,
  );
  t.regex(
    errors(
      state({
        lan: {
          reservations: [
            { mac, ipv4: '100.64.8.20' },
            { mac: '02:00:00:00:00:02', ipv4: '100.64.8.20' },
          ],
        },
      }),
    ),
    /reservations\[1\]\.ipv4: is reserved for another device/,
  );
  t.regex(
    errors(
      state({
        lan: {
          policies: [
            { mac, policy: 'blocked' },
            { mac, policy: 'direct' },
          ],
        },
      }),
    ),
    /policies\[1\]\.mac: has another policy/,
  );
});

test('remote subnets may not overlap the LAN, its IPv6 prefix or the tunnel; the port is not the engine one', (t) => {
  t.regex(
    errors(state({ remoteAccess: { ...REMOTE, addresses: ['100.64.8.250/30'], peers: [] } })),
    /overlaps the LAN subnet/,
  );
  t.regex(
    errors(state({ remoteAccess: { ...REMOTE, addresses: ['10.99.0.1/24', 'fd08::99/64'], peers: [] } })),
    /overlaps the LAN's IPv6 prefix/,
  );
  t.regex(
    errors(state({ remoteAccess: { ...REMOTE, addresses: ['100.96.0.1/24'], peers: [] } })),
    /overlaps the tunnel's addresses/,
  );
  t.regex(
    errors(state({ remoteAccess: { ...REMOTE, listenPort: 51000 } })),
    /remoteAccess\.listenPort: is the upstream/,
  );
  t.regex(errors(state({ remoteAccess: { ...REMOTE, interface: 'wan0' } })), /remoteAccess\.interface: names the same/);
});

test("remote access's mark is its own, and its port none the router serves itself (the WAN would open it)", (t) => {
  t.regex(
    errors(state({ remoteAccess: { ...REMOTE, fwmark: 0xca6c } })),
    /remoteAccess\.fwmark: is the upstream engine's mark/,
  );
  t.regex(
    errors(state({ remoteAccess: { ...REMOTE, fwmark: 0xd1ec } })),
    /remoteAccess\.fwmark: is the direct devices'/,
  );
  for (const listenPort of [53, 67, 68, 123, 546, 547]) {
    t.regex(
      errors(state({ remoteAccess: { ...REMOTE, listenPort } })),
      /remoteAccess\.listenPort: is a port the router/,
    );
  }
  t.true(state({ remoteAccess: { ...REMOTE, fwmark: 0xca6e, listenPort: 443 } }).ok);
});

test("device keys and addresses are distinct, inside the subnet, never the router's", (t) => {
  const peer = REMOTE.peers[0]!;
  t.regex(
    errors(state({ remoteAccess: { ...REMOTE, peers: [peer, { ...peer, id: 3, allowedIps: ['10.99.0.9/32'] }] } })),
    /peers\[1\]\.publicKey: repeats another device key/,
  );
  t.regex(
    errors(state({ remoteAccess: { ...REMOTE, peers: [peer, { ...peer, id: 3, publicKey: key(3) }] } })),
    /peers\[1\]\.allowedIps\[0\]: is another device's/,
  );
  t.regex(
    errors(state({ remoteAccess: { ...REMOTE, peers: [{ ...peer, allowedIps: ['10.99.0.1/32'] }] } })),
    /peers\[0\]\.allowedIps\[0\]: must be a host address of the remote-access subnet/,
  );
  t.regex(
    errors(state({ remoteAccess: { ...REMOTE, peers: [{ ...peer, allowedIps: ['10.98.0.2/32'] }] } })),
    /peers\[0\]\.allowedIps\[0\]/,
  );
  t.regex(
    errors(state({ remoteAccess: { ...REMOTE, peers: [{ ...peer, allowedIps: ['10.99.0.0/24'] }] } })),
    /peers\[0\]\.allowedIps\[0\]: must be one address/,
  );
  t.regex(
    errors(state({ remoteAccess: { ...REMOTE, peers: [{ ...peer, publicKey: 'abc' }] } })),
    /peers\[0\]\.publicKey/,
  );
});

test('an expired device is out of the peers in force, of the engine configuration and of the next expiry', (t) => {
  const remote = remoteAccessSchema.parse({
    ...REMOTE,
    peers: [
      { ...REMOTE.peers[0], expiresAt: '2030-01-01T00:00:00Z' },
      { ...REMOTE.peers[1], expiresAt: '2030-01-01T00:00:10+00:00' },
      { id: 4, publicKey: key(4), allowedIps: ['10.99.0.4/32'], reach: 'lan' },
    ],
  });
  const before = new Date('2029-12-31T23:59:59Z');
  const between = new Date('2030-01-01T00:00:05Z');
  t.deepEqual(
    activeRemotePeers(remote, before).map((peer) => peer.id),
    [1, 2, 4],
  );
  t.deepEqual(
    activeRemotePeers(remote, between).map((peer) => peer.id),
    [2, 4],
  );
  t.deepEqual(
    activeRemotePeers(remote, new Date('2030-01-01T00:00:00Z')).map((peer) => peer.id),
    [2, 4],
    'at the very instant it is out',
  );
  t.is(nextRemoteExpiry(remote, before), Date.parse('2030-01-01T00:00:00Z'));
  t.is(nextRemoteExpiry(remote, between), Date.parse('2030-01-01T00:00:10Z'));
  t.is(nextRemoteExpiry(remote, new Date('2031-01-01T00:00:00Z')), null);
  const change = remoteEngineChange(remote, between);
  t.true(change.replacePeers);
  t.is(change.listenPort, 51820);
  t.is(change.fwmark, 0xca6d);
  t.deepEqual(
    change.peers.map((peer) => Buffer.from(peer.publicKey).toString('base64')),
    [key(2), key(4)],
  );
  t.deepEqual(Buffer.from(change.peers[0]!.presharedKey!).toString('base64'), key(7));
  t.true(
    change.peers[1]!.presharedKey!.every((byte) => byte === 0),
    'no preshared key clears any old one',
  );
});

test('redacted remote access carries neither the private key nor a preshared key', (t) => {
  const remote = remoteAccessSchema.parse(REMOTE);
  const text = JSON.stringify(redactRemoteAccess(remote));
  t.false(text.includes(key(9)));
  t.false(text.includes(key(7)));
  t.false(text.includes(key(1)), 'public keys shortened too');
});
