import { execFile } from 'node:child_process';
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import test from 'ava';
import { describeCertificate, fingerprintSha256, pemToDer } from './describe.js';
import { testCertificate } from '../../testing/test-certificates.js';

test('a summary lists subject, issuer, SAN names (DNS then IP), validity and key', async (t) => {
  const issuer = await testCertificate({ commonName: 'Test CA', ca: true });
  const notBefore = new Date('2026-01-01T00:00:00Z');
  const notAfter = new Date('2026-04-01T00:00:00Z');
  const leaf = await testCertificate({
    commonName: 'router.example.com',
    issuer,
    ips: ['192.168.1.1', 'fd00::1'],
    dns: ['router.example.com', 'burrow.lan'],
    notBefore,
    notAfter,
    key: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey,
  });
  const summary = describeCertificate(leaf.certificatePem + issuer.certificatePem);
  t.is(summary.subject, 'CN=router.example.com');
  t.is(summary.issuer, 'CN=Test CA');
  t.deepEqual(summary.names, ['router.example.com', 'burrow.lan', '192.168.1.1', 'fd00::1']);
  t.deepEqual([summary.notBefore, summary.notAfter], [notBefore, notAfter]);
  t.is(summary.keyAlgorithm, 'RSA 2048');
  t.is(summary.serialNumber, new X509Certificate(leaf.certificatePem).serialNumber.toUpperCase());
  t.regex(summary.serialNumber, /^[0-9A-F]+$/);
  t.is(describeCertificate(issuer.certificatePem).keyAlgorithm, 'ECDSA P-256');
  t.deepEqual(describeCertificate(issuer.certificatePem).names, []);
});

test('the fingerprint is the one openssl shows', async (t) => {
  const { certificatePem } = await testCertificate({ commonName: 'x', ca: true });
  const dir = await mkdtemp(join(tmpdir(), 'burrow-x509-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'c.pem'), certificatePem);
  const { stdout } = await promisify(execFile)('openssl', [
    'x509',
    '-in',
    join(dir, 'c.pem'),
    '-noout',
    '-fingerprint',
    '-sha256',
  ]);
  t.is(stdout.trim().split('=')[1], fingerprintSha256(pemToDer(certificatePem)));
  t.is(describeCertificate(certificatePem).fingerprintSha256, fingerprintSha256(pemToDer(certificatePem)));
  t.regex(fingerprintSha256(new Uint8Array([0])), /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
});
