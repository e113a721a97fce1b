import { randomBytes } from 'node:crypto';

import test from 'ava';

import { type Aead, AEAD_TAG_LENGTH, counterNonce, openWithCounter, sealWithCounter } from './aead.js';
import { hchacha20 } from './aead-node.js';
import { aeadByName, aeadImplementations, defaultAead } from './aead-select.js';

const hex = (text: string): Uint8Array => new Uint8Array(Buffer.from(text.replace(/\s/g, ''), 'hex'));
const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

const SUNSCREEN = new TextEncoder().encode(
  "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
);

// RFC 8439 §2.8.2.
const rfc8439 = {
  key: hex('808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f'),
  nonce: hex('070000004041424344454647'),
  ad: hex('50515253c0c1c2c3c4c5c6c7'),
  sealed: hex(`
    d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b
    1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc
    3ff4def08e4b7a9de576d26586cec64b6116 1ae10b594f09e26a7e902ecbd0600691`),
};

// draft-irtf-cfrg-xchacha-03 §A.3.1.
const xchacha = {
  key: rfc8439.key,
  nonce: hex('404142434445464748494a4b4c4d4e4f5051525354555657'),
  ad: rfc8439.ad,
  sealed: hex(`
    bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb731c7f1b0b4aa6440bf3a82f4eda7e39
    ae64c6708c54c216cb96b72e1213b4522f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f76b2383565d3fff9
    21f9664c97637da9768812f615c68b13b52e c0875924c1c7987947deafd8780acf49`),
};

const implementations: Aead[] = Object.values(aeadImplementations);

for (const aead of implementations) {
  test(`${aead.name}: ChaCha20-Poly1305 seals the RFC 8439 §2.8.2 vector`, (t) => {
    const out = new Uint8Array(SUNSCREEN.length + AEAD_TAG_LENGTH);
    aead.seal(rfc8439.key, rfc8439.nonce, SUNSCREEN, rfc8439.ad, out);
    t.is(toHex(out), toHex(rfc8439.sealed));
  });

  test(`${aead.name}: ChaCha20-Poly1305 opens the RFC 8439 §2.8.2 vector`, (t) => {
    const out = new Uint8Array(SUNSCREEN.length);
    t.deepEqual(aead.open(rfc8439.key, rfc8439.nonce, rfc8439.sealed, rfc8439.ad, out), SUNSCREEN);
  });

  test(`${aead.name}: XChaCha20-Poly1305 seals and opens the draft §A.3.1 vector`, (t) => {
    const sealed = aead.xseal(xchacha.key, xchacha.nonce, SUNSCREEN, xchacha.ad, new Uint8Array(SUNSCREEN.length + 16));
    t.is(toHex(sealed), toHex(xchacha.sealed));
    t.deepEqual(
      aead.xopen(xchacha.key, xchacha.nonce, xchacha.sealed, xchacha.ad, new Uint8Array(SUNSCREEN.length)),
      SUNSCREEN,
    );
  });

  const tampers: Array<[string, (sealed: Uint8Array, ad: Uint8Array, nonce: Uint8Array, key: Uint8Array) => void]> = [
    ['a ciphertext bit', (sealed) => (sealed[3] = (sealed[3] as number) ^ 1)],
    ['a tag bit', (sealed) => (sealed[sealed.length - 1] = (sealed[sealed.length - 1] as number) ^ 0x80)],
    ['the associated data', (_sealed, ad) => (ad[0] = (ad[0] as number) ^ 1)],
    ['the nonce', (_sealed, _ad, nonce) => (nonce[nonce.length - 1] = (nonce[nonce.length - 1] as number) ^ 1)],
    ['the key', (_sealed, _ad, _nonce, key) => (key[0] = (key[0] as number) ^ 1)],
  ];
  for (const [what, tamper] of tampers) {
    for (const extended of [false, true]) {
      const name = extended ? 'XChaCha20' : 'ChaCha20';
      test(`${aead.name}: ${name} open returns null and leaves out untouched after flipping ${what}`, (t) => {
        const vector = extended ? xchacha : rfc8439;
        const [sealed, ad, nonce, key] = [vector.sealed, vector.ad, vector.nonce, vector.key].map((b) =>
          Uint8Array.from(b),
        ) as [Uint8Array, Uint8Array, Uint8Array, Uint8Array];
        tamper(sealed, ad, nonce, key);
        const out = new Uint8Array(sealed.length - 16).fill(0xee);
        const opened = extended ? aead.xopen(key, nonce, sealed, ad, out) : aead.open(key, nonce, sealed, ad, out);
        t.is(opened, null);
        t.true(out.every((byte) => byte === 0xee));
      });
    }
  }

  test(`${aead.name}: open of fewer bytes than a tag returns null instead of throwing`, (t) => {
    t.is(aead.open(rfc8439.key, rfc8439.nonce, new Uint8Array(15), new Uint8Array(0), new Uint8Array(0)), null);
    t.is(aead.xopen(xchacha.key, xchacha.nonce, new Uint8Array(0), new Uint8Array(0), new Uint8Array(0)), null);
  });

  test(`${aead.name}: seals and opens in place within one buffer`, (t) => {
    const buffer = new Uint8Array(16 + SUNSCREEN.length + 16);
    buffer.set(SUNSCREEN, 16);
    const plaintext = buffer.subarray(16, 16 + SUNSCREEN.length);
    aead.seal(rfc8439.key, rfc8439.nonce, plaintext, rfc8439.ad, buffer.subarray(16));
    t.is(toHex(buffer.subarray(16)), toHex(rfc8439.sealed));
    const opened = aead.open(rfc8439.key, rfc8439.nonce, buffer.subarray(16), rfc8439.ad, plaintext);
    t.deepEqual(opened, SUNSCREEN);
    t.is(opened?.byteOffset, 16);
  });

  test(`${aead.name}: refuses wrong buffer sizes and partial overlap as programming errors`, (t) => {
    const key = rfc8439.key;
    const nonce = rfc8439.nonce;
    const empty = new Uint8Array(0);
    t.throws(() => aead.seal(key, nonce, SUNSCREEN, empty, new Uint8Array(SUNSCREEN.length)), {
      instanceOf: RangeError,
    });
    t.throws(() => aead.seal(key.subarray(1), nonce, SUNSCREEN, empty, new Uint8Array(SUNSCREEN.length + 16)), {
      instanceOf: RangeError,
    });
    t.throws(() => aead.seal(key, xchacha.nonce, SUNSCREEN, empty, new Uint8Array(SUNSCREEN.length + 16)), {
      instanceOf: RangeError,
    });
    const buffer = new Uint8Array(64);
    t.throws(() => aead.seal(key, nonce, buffer.subarray(0, 32), empty, buffer.subarray(8, 56)), {
      instanceOf: RangeError,
    });
  });
}

test('both implementations agree on every length from 0 to 1500 bytes, with and without associated data', (t) => {
  const [noble, node] = [aeadImplementations.noble, aeadImplementations.node];
  const key = new Uint8Array(randomBytes(32));
  for (let length = 0; length <= 1500; length += length < 80 ? 1 : 97) {
    const plaintext = new Uint8Array(randomBytes(length));
    const ad = length % 2 === 0 ? new Uint8Array(0) : new Uint8Array(randomBytes(length % 40));
    const nonce = counterNonce(length);
    const a = noble.seal(key, nonce, plaintext, ad, new Uint8Array(length + 16));
    const b = node.seal(key, nonce, plaintext, ad, new Uint8Array(length + 16));
    t.is(toHex(a), toHex(b), `length ${length}`);
    t.deepEqual(node.open(key, nonce, a, ad, new Uint8Array(length)), plaintext);
    const xNonce = new Uint8Array(randomBytes(24));
    const xa = noble.xseal(key, xNonce, plaintext, ad, new Uint8Array(length + 16));
    t.is(toHex(xa), toHex(node.xseal(key, xNonce, plaintext, ad, new Uint8Array(length + 16))));
    t.deepEqual(noble.xopen(key, xNonce, xa, ad, new Uint8Array(length)), plaintext);
  }
});

test('HChaCha20 on node:crypto matches the draft-irtf-cfrg-xchacha §2.2.1 vector', (t) => {
  const key = hex('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f');
  const nonce = hex('000000090000004a0000000031415927');
  t.is(toHex(hchacha20(key, nonce)), '82413b4227b27bfed30e42508a877d73a0f9e4d58a74a853c12ec41326d3ecdc');
});

const nonceCases: Array<[number, string]> = [
  [0, '000000000000000000000000'],
  [1, '000000000100000000000000'],
  [0x0102_0304, '000000000403020100000000'],
  [0x1_0000_0000, '000000000000000001000000'],
  [Number.MAX_SAFE_INTEGER, '00000000ffffffffffff1f00'],
];
for (const [counter, expected] of nonceCases) {
  test(`counterNonce(${counter}) is 4 zero bytes then the little-endian counter`, (t) => {
    t.is(toHex(counterNonce(counter)), expected);
  });
}

test('counterNonce refuses counters that a number cannot hold exactly', (t) => {
  for (const bad of [-1, 0.5, 2 ** 53, Number.NaN]) {
    t.throws(() => counterNonce(bad), { instanceOf: RangeError });
  }
});

test('sealWithCounter/openWithCounter round-trip and reject another counter', (t) => {
  const key = new Uint8Array(randomBytes(32));
  const ad = new TextEncoder().encode('transcript hash');
  const sealed = sealWithCounter(defaultAead, key, 7, SUNSCREEN, ad);
  t.deepEqual(openWithCounter(defaultAead, key, 7, sealed, ad), SUNSCREEN);
  t.is(openWithCounter(defaultAead, key, 8, sealed, ad), null);
  t.is(openWithCounter(defaultAead, key, 7, sealed.subarray(0, 10), ad), null);
});

test('aeadByName finds both implementations and nothing else', (t) => {
  t.is(aeadByName('noble')?.name, 'noble');
  t.is(aeadByName('node')?.name, 'node');
  t.is(aeadByName('openssl'), undefined);
});
