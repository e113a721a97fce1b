import test from 'ava';
import { pemToDer, scanPem, splitCertificates, toPem } from './pem.js';

const der = (...bytes: number[]) => Buffer.from(bytes);
const one = toPem('CERTIFICATE', der(1, 2, 3));
const two = toPem('CERTIFICATE', Buffer.alloc(100, 7));

test('toPem writes 64-column base64 between BEGIN and END lines', (t) => {
  const pem = toPem('CERTIFICATE', Buffer.alloc(100, 7));
  const lines = pem.trimEnd().split('\n');
  t.is(lines[0], '-----BEGIN CERTIFICATE-----');
  t.is(lines[1]?.length, 64);
  t.is(lines.at(-1), '-----END CERTIFICATE-----');
  t.true(pem.endsWith('\n'));
});

test('text between blocks, CRLF and indentation are tolerated; certificates come back normalised', (t) => {
  const messy = `Bag Attributes\r\n    friendlyName: x\r\nsubject=CN = x\r\n${one.replace(/\n/g, '\r\n  ')}junk\n${two}`;
  t.deepEqual(splitCertificates(messy), [one, two]);
  t.deepEqual(pemToDer(messy), der(1, 2, 3));
});

test('pemToDer wants a CERTIFICATE block, and splitCertificates skips other blocks', (t) => {
  const key = toPem('PRIVATE KEY', der(9));
  t.throws(() => pemToDer(key), { message: /No CERTIFICATE/ });
  t.throws(() => pemToDer('garbage'), { message: /No CERTIFICATE/ });
  t.deepEqual(splitCertificates(key + one), [one]);
});

test('damaged base64 and missing END lines are reported, not silently skipped', (t) => {
  const damaged = one.replace('AQID', 'A*ID');
  t.deepEqual(scanPem(damaged).damaged, ['CERTIFICATE']);
  t.deepEqual(scanPem(damaged).blocks, []);
  const cut = `${one}-----BEGIN CERTIFICATE-----\nAQID\n`;
  t.deepEqual(scanPem(cut).unterminated, ['CERTIFICATE']);
  t.is(scanPem(cut).blocks.length, 1);
  const cutInTheMiddle = `-----BEGIN CERTIFICATE-----\nAQID\n${two}`;
  t.deepEqual(scanPem(cutInTheMiddle).unterminated, ['CERTIFICATE']);
  t.is(scanPem(cutInTheMiddle).blocks.length, 1);
  const mismatched = '-----BEGIN CERTIFICATE-----\nAQID\n-----END PRIVATE KEY-----\n';
  t.deepEqual(scanPem(mismatched).unterminated, ['CERTIFICATE']);
});

test('RFC 1421 headers are kept apart from the base64', (t) => {
  const encrypted =
    '-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAQID\n-----END RSA PRIVATE KEY-----\n';
  const [block] = scanPem(encrypted).blocks;
  t.deepEqual(block?.headers, ['Proc-Type: 4,ENCRYPTED', 'DEK-Info: AES-128-CBC,00']);
  t.deepEqual(block?.der, der(1, 2, 3));
});
