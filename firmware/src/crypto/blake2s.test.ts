import { createHash, createHmac, randomBytes } from 'node:crypto';

import test from 'ava';

import { blake2sHash, blake2sMac, hmacBlake2s } from './blake2s.js';

const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const ascii = (text: string): Uint8Array => new TextEncoder().encode(text);
const range = (length: number): Uint8Array => Uint8Array.from({ length }, (_, i) => i & 0xff);

// RFC 7693 Appendix B ("abc"), the empty input, and a multi-block input (via CPython's hashlib.blake2s).
const hashVectors: Array<[string, Uint8Array[], string]> = [
  ['"abc"', [ascii('abc')], '508c5e8c327c14e2e1a72ba34eeb452f37458b209ed63a294d999b4c86675982'],
  ['the empty input', [], '69217a3079908094e11121d042354a7c1f55b6482ca1a51e1b250dfd1ed0eef9'],
  [
    'bytes 0..199 in three parts',
    [range(200).subarray(0, 1), range(200).subarray(1, 65), range(200).subarray(65)],
    '6d244e1a06ce4ef578dd0f63aff0936706735119ca9c8d22d86c801414ab9741',
  ],
];
for (const [name, parts, expected] of hashVectors) {
  test(`BLAKE2s-256 of ${name}`, (t) => {
    t.is(toHex(blake2sHash(...parts)), expected);
  });
}

// Keyed BLAKE2s with a 16-byte digest (digest length is a parameter, not a truncation), via hashlib.blake2s.
const macVectors: Array<[string, Uint8Array, Uint8Array, string]> = [
  ['32-byte key 0..31, empty message', range(32), new Uint8Array(0), '9536f9b267655743dee97b8a670f9f53'],
  ['16-byte key 0..15, "abc"', range(16), ascii('abc'), '75296c2d2c0f51210b383f386bc8b1ff'],
  [
    '32 × 0x42 key, "WireGuard" × 10',
    new Uint8Array(32).fill(0x42),
    ascii('WireGuard'.repeat(10)),
    '72b93353fdabaa75892f386bc630de5f',
  ],
];
for (const [name, key, message, expected] of macVectors) {
  test(`keyed BLAKE2s-128: ${name}`, (t) => {
    t.is(toHex(blake2sMac(key, message)), expected);
  });
}

// HMAC-BLAKE2s-256 via Python's hmac + hashlib.blake2s.
const hmacVectors: Array<[string, Uint8Array, Uint8Array, string]> = [
  ['key 0..31, "abc"', range(32), ascii('abc'), '82623be5bc0a391b24dce53e67d028eff92d586de0485ac37822e597d049c74f'],
  [
    'a 100-byte key (longer than a block, so hashed first)',
    new Uint8Array(100).fill(0xaa),
    ascii('Test Using Larger Than Block-Size Key - Hash Key First'),
    '6d5406353ca2d942cdc577ddbaaf90883f43b999eb3878979e68deb5d2e09563',
  ],
];
for (const [name, key, message, expected] of hmacVectors) {
  test(`HMAC-BLAKE2s: ${name}`, (t) => {
    t.is(toHex(hmacBlake2s(key, message)), expected);
  });
}

test('hash and HMAC agree with OpenSSL blake2s256 on random inputs split into parts', (t) => {
  for (let length = 0; length < 300; length += 13) {
    const data = new Uint8Array(randomBytes(length));
    const key = new Uint8Array(randomBytes(32));
    const cut = Math.floor(length / 3);
    t.is(
      toHex(blake2sHash(data.subarray(0, cut), data.subarray(cut))),
      createHash('blake2s256').update(data).digest('hex'),
    );
    t.is(
      toHex(hmacBlake2s(key, data.subarray(0, cut), data.subarray(cut))),
      createHmac('blake2s256', key).update(data).digest('hex'),
    );
  }
});

test('MAC output is 16 bytes and depends on the key', (t) => {
  const message = ascii('handshake');
  const a = blake2sMac(new Uint8Array(32).fill(1), message);
  const b = blake2sMac(new Uint8Array(32).fill(2), message);
  t.is(a.length, 16);
  t.not(toHex(a), toHex(b));
});
