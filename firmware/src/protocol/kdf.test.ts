import test from 'ava';

import { CONSTRUCTION, IDENTIFIER } from './constants.js';
import { hash, hmac, kdf1, kdf2, kdf3, mac } from './kdf.js';

const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

// Known answers from an independent Python implementation (hashlib.blake2s + hmac) of the whitepaper's definitions.
const CI = '60e26daef327efc02ec335e2a025d2d016eb4206f87277f52d38d1988b78cd36';
const HI = '2211b361081ac566691243db458ad5322d9c6c662293e8b70ee19c65ba079ef3';
const KDF_OUTPUTS = [
  '4b21d7f972b51623fdf0bfeed6eeb61ab0b8252199b115c3aa5a81ecbc775608',
  '9e489750c38cdfedbafaf689b9d2af886dd0d1b923443ae1ab461e5370c6259c',
  '9a63d530420a55e4f39d8459f9c4f65016364de4ee471a83d043fddccbadd376',
];
const input = new Uint8Array(32).fill(1);

test('the initial chaining key and hash: Ci = HASH(CONSTRUCTION), Hi = HASH(Ci ‖ IDENTIFIER)', (t) => {
  const ci = hash(CONSTRUCTION);
  t.is(toHex(ci), CI);
  t.is(toHex(hash(ci, IDENTIFIER)), HI);
});

test('KDF1, KDF2 and KDF3 share their prefix outputs and match the known answers', (t) => {
  const ci = hash(CONSTRUCTION);
  t.is(toHex(kdf1(ci, input)), KDF_OUTPUTS[0] as string);
  t.deepEqual(kdf2(ci, input).map(toHex), KDF_OUTPUTS.slice(0, 2));
  t.deepEqual(kdf3(ci, input).map(toHex), KDF_OUTPUTS);
});

test('KDF2 with empty input (the transport key split) matches the known answer', (t) => {
  t.deepEqual(kdf2(hash(CONSTRUCTION), new Uint8Array(0)).map(toHex), [
    'bd968725a9177942a8c2e4253d1dde31cf7b19ec001b4a3a3d141cd9d998d3ba',
    'aab5462b323780fa615bf80ffe469510239ff361575a663968e686a7ae41d693',
  ]);
});

test('KDF outputs follow τi = HMAC(τ0, τ(i−1) ‖ i) from the definition', (t) => {
  const key = hash(new TextEncoder().encode('chaining key'));
  const tau0 = hmac(key, input);
  const tau1 = hmac(tau0, Uint8Array.of(1));
  const tau2 = hmac(tau0, tau1, Uint8Array.of(2));
  const tau3 = hmac(tau0, tau2, Uint8Array.of(3));
  t.deepEqual(kdf3(key, input).map(toHex), [tau1, tau2, tau3].map(toHex));
});

test('the KDF does not modify its inputs', (t) => {
  const key = hash(CONSTRUCTION);
  const keyCopy = Uint8Array.from(key);
  const inputCopy = Uint8Array.from(input);
  kdf3(key, input);
  t.deepEqual(key, keyCopy);
  t.deepEqual(input, inputCopy);
});

test('HASH and MAC over parts equal HASH and MAC over the concatenation', (t) => {
  const a = Uint8Array.of(1, 2, 3);
  const b = Uint8Array.of(4, 5);
  const key = new Uint8Array(32).fill(9);
  t.is(toHex(hash(a, b)), toHex(hash(Uint8Array.of(1, 2, 3, 4, 5))));
  t.is(toHex(mac(key, a, b)), toHex(mac(key, Uint8Array.of(1, 2, 3, 4, 5))));
  t.is(mac(key, a).length, 16);
});
