// The Device as wg(8) drives it through the UAPI: a change that cannot be applied changes nothing, and a removed
// peer gets no more traffic.
import test from 'ava';
import { generatePrivateKey } from '../crypto/x25519.js';
import { REKEY_TIMEOUT_MS } from '../protocol/constants.js';
import { UapiErrno, UapiError } from './device-change.js';
import { keyHex } from './device-config.js';
import { EnginePair, LISTEN_PORT } from './testing/engine-pair.js';
import { udpText } from './testing/ip-packets.js';

test('listen_port on a port in use fails with portInUse and changes nothing', async (t) => {
  const pair = await EnginePair.create();
  t.teardown(() => pair.close());
  const { a, b } = pair;
  pair.establish(a);
  pair.host('squatter', a.underlay, 60000);
  const before = a.device.snapshot();

  const error = await t.throwsAsync(
    pair.configure(a, [
      'listen_port=60000',
      'fwmark=51',
      `public_key=${Buffer.alloc(32, 9).toString('hex')}`,
      'allowed_ip=10.9.0.0/16',
    ]),
    { instanceOf: UapiError },
  );
  t.is(error?.errno, UapiErrno.portInUse);
  t.deepEqual(a.device.snapshot(), before, 'no part of the change was applied');
  t.is(a.bind.port, LISTEN_PORT);
  t.is(a.bind.mark, 0);

  pair.send(b, pair.packet(b, a, 'still listening'));
  t.deepEqual(pair.received(a).map(udpText), ['still listening']);
});

test('a failed change is reported through the returned promise, like every other outcome', async (t) => {
  const pair = await EnginePair.create();
  t.teardown(() => pair.close());
  pair.host('squatter', pair.a.underlay, 60000);
  let outcome: Promise<void> | undefined;
  t.notThrows(() => {
    outcome = pair.configure(pair.a, ['listen_port=60000']);
  }, 'apply() returns a promise and never throws synchronously');
  await t.throwsAsync(outcome!, { instanceOf: UapiError });
});

test('a listen_port change moves the socket; the peer follows after our next packet', async (t) => {
  const pair = await EnginePair.create();
  t.teardown(() => pair.close());
  const { a, b } = pair;
  pair.establish(a);
  await pair.configure(a, ['listen_port=51999']);
  t.is(a.device.snapshot().listenPort, 51999);
  t.is(a.bind.port, 51999);
  pair.send(a, pair.packet(a, b, 'from the new port'));
  t.deepEqual(pair.received(b).map(udpText), ['from the new port']);
  t.is(pair.peerSnapshot(b).endpoint?.toString(), '192.0.2.1:51999');
  pair.send(b, pair.packet(b, a, 'to the new port'));
  t.deepEqual(pair.received(a).map(udpText), ['to the new port']);
});

test('a removed peer gets no more traffic, and what it still sends is dropped', async (t) => {
  const pair = await EnginePair.create();
  t.teardown(() => pair.close());
  const { a, b } = pair;
  pair.establish(a);

  await pair.configure(a, [`public_key=${keyHex(b.publicKey)}`, 'remove=true']);
  t.deepEqual(a.device.snapshot().peers, []);
  const mark = pair.wire.length;
  pair.send(a, pair.packet(a, b, 'to a removed peer'));
  t.is(a.device.drops.get('no-route'), 1);
  t.deepEqual(pair.sent(a, undefined, mark), [], 'nothing goes to the removed peer');

  pair.send(b, pair.packet(b, a, 'from a removed peer'));
  t.deepEqual(pair.received(a), []);
  t.is(a.device.drops.get('unknown-index'), 1, 'its session was deleted with it');
  pair.advance(30_000);
  t.deepEqual(pair.sent(a, undefined, mark), [], 'no timer of the removed peer fires');
});

test('re-applying the same private key (as wg syncconf and a full re-render do) keeps every session', async (t) => {
  const pair = await EnginePair.create();
  t.teardown(() => pair.close());
  const { a, b } = pair;
  pair.establish(a);
  await pair.configure(a, [`private_key=${keyHex(a.privateKey)}`, `public_key=${keyHex(b.publicKey)}`]);

  pair.send(b, pair.packet(b, a, 'on the same session'));
  t.deepEqual(pair.received(a).map(udpText), ['on the same session']);
  t.is(a.device.drops.get('unknown-index'), 0);
  t.is(pair.sent(a, 'initiation').length, 1, 'no new handshake was needed');
});

test('a new private key ends every session; the peer that knows only the old key cannot reach us', async (t) => {
  const pair = await EnginePair.create();
  t.teardown(() => pair.close());
  const { a, b } = pair;
  pair.establish(a);
  await pair.configure(a, [`private_key=${keyHex(generatePrivateKey())}`]);

  pair.send(b, pair.packet(b, a, 'on the old session'));
  t.deepEqual(pair.received(a), []);
  t.is(a.device.drops.get('unknown-index'), 1, 'the old session is gone');
  pair.send(a, pair.packet(a, b, 'with the new key'));
  pair.advance(REKEY_TIMEOUT_MS);
  t.deepEqual(pair.received(b), [], 'B does not know the new key');
  t.true(b.device.drops.get('invalid-handshake') > 0);
});
