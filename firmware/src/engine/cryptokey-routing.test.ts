// Cryptokey routing (whitepaper §2): outbound, the destination address picks the peer; inbound, a decrypted
// packet is accepted only if its source address is one of the sending peer's allowed IPs. IPv4 and IPv6 alike.
import test from 'ava';
import { EnginePair } from './testing/engine-pair.js';
import { echoRequest, PROTOCOL_ICMPV6, readPacket, udpPacket, udpText } from './testing/ip-packets.js';

test('IPv6 inside the tunnel, UDP and ICMPv6, both ways', async (t) => {
  const pair = await EnginePair.create();
  t.teardown(() => pair.close());
  const { a, b } = pair;
  pair.send(a, pair.packet(a, b, 'over IPv6', 6));
  pair.send(b, echoRequest({ source: b.v6, destination: a.v6, sequence: 7 }));
  t.deepEqual(pair.received(b).map(udpText), ['over IPv6']);
  const [echo] = pair.received(a);
  t.like(readPacket(echo!), { version: 6, protocol: PROTOCOL_ICMPV6, source: 'fd00::2', destination: 'fd00::1' });
});

test('a decrypted packet from a source outside the peer’s allowed IPs is dropped', async (t) => {
  const pair = await EnginePair.create();
  t.teardown(() => pair.close());
  const { a, b } = pair;
  pair.establish(a);
  // A's engine routes by destination, so these reach B's engine, encrypted by A, with sources A may not use.
  pair.send(
    a,
    udpPacket({ source: '10.0.0.99', destination: b.v4, payload: 'spoofed v4' }),
    udpPacket({ source: 'fd00::99', destination: b.v6, payload: 'spoofed v6' }),
    udpPacket({ source: b.v4, destination: b.v4, payload: "B's own address" }),
    pair.packet(a, b, 'genuine'),
  );
  t.deepEqual(pair.received(b).map(udpText), ['genuine']);
  t.is(b.device.drops.get('disallowed-source'), 3);
  t.is(b.device.drops.get('invalid-data'), 0, 'they decrypted fine: the source alone refused them');
});

test('a packet to an address no peer owns is dropped before any handshake', async (t) => {
  const pair = await EnginePair.create();
  t.teardown(() => pair.close());
  const { a } = pair;
  pair.send(
    a,
    udpPacket({ source: a.v4, destination: '10.0.0.77', payload: 'nowhere' }),
    udpPacket({ source: a.v6, destination: 'fd00::77', payload: 'nowhere' }),
    udpPacket({ source: a.v4, destination: '192.0.2.2', payload: "B's underlay address is not in its allowed IPs" }),
  );
  t.is(a.device.drops.get('no-route'), 3);
  t.deepEqual(pair.wire, [], 'nothing sent, not even an initiation');
});

test('an allowed IP moved to another peer takes the route with it', async (t) => {
  const pair = await EnginePair.create();
  t.teardown(() => pair.close());
  const { a, b } = pair;
  pair.establish(a);
  const other = Buffer.alloc(32, 7).toString('hex');
  await pair.configure(a, [`public_key=${other}`, `allowed_ip=${b.v4}/32`]);
  const mark = pair.wire.length;
  pair.send(a, pair.packet(a, b, 'v4 now belongs to the other peer'), pair.packet(a, b, 'v6 is still B', 6));
  t.deepEqual(pair.received(b).map(udpText), ['v6 is still B']);
  t.is(pair.sent(a, 'data', mark).length, 1, 'the IPv4 packet waits for a peer that has no endpoint yet');
  // And B's IPv4 source is no longer B's to use towards A.
  pair.send(b, pair.packet(b, a, 'from B over v4'));
  t.deepEqual(pair.received(a), []);
  t.is(a.device.drops.get('disallowed-source'), 1);
});
