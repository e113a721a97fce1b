import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

import test from 'ava';
import { randomBytes } from 'node:crypto';

import { decodeKeyBase64, encodeKeyBase64 } from './keys.js';
import { clampPrivateKey, generatePrivateKey, publicKeyFromPrivate, sharedSecret } from './x25519.js';

const hex = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'hex'));
const toHex = (bytes: Uint8Array | null): string => (bytes === null ? 'null' : Buffer.from(bytes).toString('hex'));
const base64 = (text: string): Uint8Array => {
  const decoded = decodeKeyBase64(text);
  if (!decoded.ok) {
    throw new Error(decoded.reason);
  }
  return decoded.value;
};

// RFC 7748 §5.2 (scalar, u-coordinate, output).
const rfc7748Vectors: Array<[string, string, string]> = [
  [
    'a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4',
    'e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c',
    'c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552',
  ],
  [
    '4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d',
    'e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493',
    '95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957',
  ],
];

for (const [scalar, u, output] of rfc7748Vectors) {
  test(`RFC 7748 §5.2: X25519(${scalar.slice(0, 8)}…, ${u.slice(0, 8)}…)`, (t) => {
    t.is(toHex(sharedSecret(hex(scalar), hex(u))), output);
  });
}

test('RFC 7748 §6.1: Alice and Bob derive the published public keys and shared secret', (t) => {
  const alice = hex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a');
  const bob = hex('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb');
  const alicePublic = publicKeyFromPrivate(alice);
  const bobPublic = publicKeyFromPrivate(bob);
  t.is(toHex(alicePublic), '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a');
  t.is(toHex(bobPublic), 'de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f');
  const shared = '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742';
  t.is(toHex(sharedSecret(alice, bobPublic)), shared);
  t.is(toHex(sharedSecret(bob, alicePublic)), shared);
});

// Points of small order: every private key maps them to the all-zero secret, which WireGuard must refuse.
const lowOrderPoints = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
  '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
];
for (const point of lowOrderPoints) {
  test(`sharedSecret refuses the low-order point ${point.slice(0, 8)}…`, (t) => {
    t.is(sharedSecret(generatePrivateKey(), hex(point)), null);
  });
}

test('sharedSecret returns null for a public key of the wrong length instead of throwing', (t) => {
  t.is(sharedSecret(generatePrivateKey(), new Uint8Array(31)), null);
});

test('generatePrivateKey returns clamped keys, different every time', (t) => {
  const keys = Array.from({ length: 16 }, () => generatePrivateKey());
  for (const key of keys) {
    t.is((key[0] as number) & 7, 0);
    t.is((key[31] as number) & 0x80, 0);
    t.is((key[31] as number) & 0x40, 0x40);
    t.deepEqual(clampPrivateKey(key), key);
  }
  t.is(new Set(keys.map(toHex)).size, keys.length);
});

test('clamping does not change the public key: X25519 clamps anyway', (t) => {
  const raw = hex('ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff');
  t.deepEqual(publicKeyFromPrivate(raw), publicKeyFromPrivate(clampPrivateKey(raw)));
  t.is(toHex(clampPrivateKey(raw)), 'f8ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f');
});

// Produced by `wg genkey` and `wg pubkey` (wireguard-tools): private key → public key.
const wgPairs: Array<[string, string]> = [
  ['aCxBvNSUMzutA0hCvsG1lIGYJKxsq/UTeBboEqTAHGA=', 'hrng6naXa+Jz5DIUvVS+Gq/6pdBJAbsL/1V+bb3Lggg='],
  ['gC7n+2adLozLBRjUBztzA4C6S56+bswB17exMrd0Pkw=', 'sO/XJxRCa1TNu4750MyBiRPeYzTqCYgs47LOfVHu1AI='],
  ['uLe0kAOdoPGOJBc6aY9xEOycqI0qC+3CD8mftHcy1WQ=', 'lqxsCnRVh5gRqHXXNaq//yTfDBLOj3ay6BpO3rb0T0o='],
];
for (const [privateKey, publicKey] of wgPairs) {
  test(`public key of ${privateKey.slice(0, 4)}… matches wg pubkey`, (t) => {
    t.is(encodeKeyBase64(publicKeyFromPrivate(base64(privateKey))), publicKey);
  });
}

const wgBinary = ['/usr/bin/wg', '/usr/local/bin/wg'].find((path) => existsSync(path));
(wgBinary ? test : test.skip)('generated keys give the same public key as the installed wg pubkey', (t) => {
  for (let i = 0; i < 4; i++) {
    const privateKey = encodeKeyBase64(generatePrivateKey());
    const expected = execFileSync(wgBinary as string, ['pubkey'], {
      input: `${privateKey}\n`,
      encoding: 'utf8',
    }).trim();
    t.is(encodeKeyBase64(publicKeyFromPrivate(base64(privateKey))), expected);
  }
});

test('a private key of the wrong length is a programming error', (t) => {
  t.throws(() => publicKeyFromPrivate(new Uint8Array(33)), { instanceOf: RangeError });
  t.throws(() => sharedSecret(new Uint8Array(16), new Uint8Array(32)), { instanceOf: RangeError });
});

test('node:crypto and @noble/curves agree on random keys, generated both ways', async (t) => {
  const { x25519 } = await import('@noble/curves/ed25519.js');
  for (let i = 0; i < 20; i++) {
    const a = i % 2 === 0 ? generatePrivateKey() : clampPrivateKey(randomBytes(32));
    const b = generatePrivateKey();
    t.deepEqual(publicKeyFromPrivate(a), x25519.getPublicKey(a));
    t.deepEqual(sharedSecret(a, publicKeyFromPrivate(b)), x25519.getSharedSecret(a, x25519.getPublicKey(b)));
  }
});

test('a key buffer refilled in place is never answered from a stale cached key', async (t) => {
  const { x25519 } = await import('@noble/curves/ed25519.js');
  const key = generatePrivateKey();
  const peer = publicKeyFromPrivate(generatePrivateKey());
  t.deepEqual(sharedSecret(key, peer), x25519.getSharedSecret(key, peer));
  key.set(clampPrivateKey(randomBytes(32)));
  t.deepEqual(publicKeyFromPrivate(key), x25519.getPublicKey(key));
  t.deepEqual(sharedSecret(key, peer), x25519.getSharedSecret(key, peer));
  peer.set(publicKeyFromPrivate(generatePrivateKey()));
  t.deepEqual(sharedSecret(key, peer), x25519.getSharedSecret(key, peer));
});
