import test from 'ava';

import { constantTimeEqual, isAllZero, zero } from './constant-time.js';
import { decodeKeyBase64, decodeKeyHex, encodeKeyBase64, encodeKeyHex, shortKey } from './keys.js';

const key = Uint8Array.from({ length: 32 }, (_, i) => i * 7);

test('base64 and hex encodings round-trip', (t) => {
  const text = encodeKeyBase64(key);
  t.is(text.length, 44);
  t.deepEqual(decodeKeyBase64(text), { ok: true, value: key });
  const hexText = encodeKeyHex(key);
  t.regex(hexText, /^[0-9a-f]{64}$/);
  t.deepEqual(decodeKeyHex(hexText), { ok: true, value: key });
  t.deepEqual(decodeKeyHex(hexText.toUpperCase()), { ok: true, value: key });
});

test('encodes like wg: the all-zero key and a known key', (t) => {
  t.is(encodeKeyBase64(new Uint8Array(32)), 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=');
  const decoded = decodeKeyBase64('hrng6naXa+Jz5DIUvVS+Gq/6pdBJAbsL/1V+bb3Lggg=');
  t.true(decoded.ok);
  if (decoded.ok) {
    t.is(encodeKeyHex(decoded.value), '86b9e0ea76976be273e43214bd54be1aaffaa5d04901bb0bff557e6dbdcb8208');
  }
});

const badBase64: Array<[string, string]> = [
  ['empty', ''],
  ['one character short', 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA='],
  ['missing padding', 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
  ['double padding', 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=='],
  ['URL-safe alphabet', 'hrng6naXa-Jz5DIUvVS-Gq_6pdBJAbsL_1V-bb3Lggg='],
  ['non-canonical trailing bits', 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB='],
  ['surrounding whitespace', ' hrng6naXa+Jz5DIUvVS+Gq/6pdBJAbsL/1V+bb3Lggg'],
  ['a 48-byte key', 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
];
for (const [name, text] of badBase64) {
  test(`base64 decoding refuses ${name}`, (t) => {
    const result = decodeKeyBase64(text);
    t.false(result.ok);
    if (!result.ok) {
      t.false(result.reason.includes(text.trim()) && text.length > 0, 'the reason must not echo the key');
    }
  });
}

const badHex: Array<[string, string]> = [
  ['63 digits', '0'.repeat(63)],
  ['65 digits', '0'.repeat(65)],
  ['a non-hex digit', `${'0'.repeat(63)}g`],
  ['a 0x prefix', `0x${'0'.repeat(62)}`],
  ['a space', `${'0'.repeat(31)} ${'0'.repeat(32)}`],
];
for (const [name, text] of badHex) {
  test(`hex decoding refuses ${name}`, (t) => {
    t.false(decodeKeyHex(text).ok);
  });
}

test('encoders refuse keys that are not 32 bytes', (t) => {
  t.throws(() => encodeKeyBase64(new Uint8Array(31)), { instanceOf: RangeError });
  t.throws(() => encodeKeyHex(new Uint8Array(33)), { instanceOf: RangeError });
});

test('shortKey shows only the first and last four base64 characters', (t) => {
  t.is(shortKey(new Uint8Array(32)), 'AAAA…AAAA');
  const decoded = decodeKeyBase64('hrng6naXa+Jz5DIUvVS+Gq/6pdBJAbsL/1V+bb3Lggg=');
  if (decoded.ok) {
    t.is(shortKey(decoded.value), 'hrng…Lggg');
  }
});

test('constantTimeEqual compares contents and treats different lengths as unequal', (t) => {
  t.true(constantTimeEqual(Uint8Array.of(1, 2, 3), Uint8Array.of(1, 2, 3)));
  t.false(constantTimeEqual(Uint8Array.of(1, 2, 3), Uint8Array.of(1, 2, 4)));
  t.false(constantTimeEqual(Uint8Array.of(1, 2, 3), Uint8Array.of(1, 2)));
  t.true(constantTimeEqual(new Uint8Array(0), new Uint8Array(0)));
});

test('isAllZero and zero', (t) => {
  const bytes = Uint8Array.of(0, 0, 9);
  t.false(isAllZero(bytes));
  zero(bytes);
  t.true(isAllZero(bytes));
});
