// Silence towards strangers (whitepaper §5.1): an initiation from a key the interface is not configured with, or
// one whose MAC1 was not made for our key, gets no answer of any kind, and is counted as dropped.
import test from 'ava';
import { generatePrivateKey, publicKeyFromPrivate } from '../crypto/x25519.js';
import { REKEY_TIMEOUT_JITTER_MAX_MS, REKEY_TIMEOUT_MS } from '../protocol/constants.js';
import { EnginePair } from './testing/engine-pair.js';

const someoneElse = (): Uint8Array => publicKeyFromPrivate(generatePrivateKey());
const RETRIES = 3;

test('an initiation from a key B does not know gets no response at all', async (t) => {
  // B expects A under a different public key: A's MAC1 is right (A knows B's key) but A is a stranger to B.
  const pair = await EnginePair.create({ b: { peerPublicKey: someoneElse() } });
  t.teardown(() => pair.close());
  const { a, b } = pair;
  pair.send(a, pair.packet(a, b, 'let me in'));
  pair.advance(RETRIES * (REKEY_TIMEOUT_MS + REKEY_TIMEOUT_JITTER_MAX_MS));

  const initiations = pair.sent(a, 'initiation');
  t.is(initiations.length, RETRIES + 1, 'A keeps trying');
  t.true(initiations.every((record) => record.fate === 'deliver'));
  t.deepEqual(pair.sent(b), [], 'B sends nothing: no response, no cookie, no error');
  t.is(b.device.drops.get('invalid-handshake'), initiations.length);
  t.deepEqual(pair.received(b), []);
  t.is(pair.peerSnapshot(b).endpoint?.toString(), '192.0.2.1:51820', 'a stranger does not move the endpoint');
});

test('an initiation whose MAC1 was made for another key is dropped before any Diffie-Hellman', async (t) => {
  // A believes B has another public key, so its MAC1 does not verify under B's.
  const pair = await EnginePair.create({ a: { peerPublicKey: someoneElse() } });
  t.teardown(() => pair.close());
  const { a, b } = pair;
  pair.send(a, pair.packet(a, b, 'let me in'));
  pair.advance(RETRIES * (REKEY_TIMEOUT_MS + REKEY_TIMEOUT_JITTER_MAX_MS));

  const initiations = pair.sent(a, 'initiation');
  t.is(initiations.length, RETRIES + 1);
  t.deepEqual(pair.sent(b), []);
  t.is(b.device.drops.get('invalid-mac'), initiations.length);
  t.is(b.device.drops.get('invalid-handshake'), 0);
});
