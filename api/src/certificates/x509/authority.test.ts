import { createPrivateKey, X509Certificate as NodeCertificate } from 'node:crypto';
import test from 'ava';
import { createAuthority, readAuthorityConstraints } from './authority.js';
import { authorityConstraints } from './router-names.js';
import { opensslVerify, testCertificate } from '../../testing/test-certificates.js';
import { BasicConstraintsExtension, KeyUsageFlags, KeyUsagesExtension, X509Certificate } from './x509-library.js';

const now = new Date('2026-03-01T12:00:00Z');

test('the CA is a self-signed ECDSA P-256 authority for ten years, unable to sign further CAs', async (t) => {
  const authority = await createAuthority({ hostname: 'Den', now });
  const certificate = new X509Certificate(authority.certificatePem);
  t.regex(certificate.subject, /^O=Burrow, CN=Burrow router CA \(den\) [0-9a-f]{8}$/);
  t.is(certificate.issuer, certificate.subject);
  t.true(await certificate.isSelfSigned());
  t.true(certificate.notBefore <= now && certificate.notBefore.getTime() >= now.getTime() - 10 * 60_000);
  t.is(certificate.notAfter.getUTCFullYear(), 2036);
  const basic = certificate.getExtension(BasicConstraintsExtension);
  t.deepEqual([basic?.ca, basic?.pathLength, basic?.critical], [true, 0, true]);
  const usage = certificate.getExtension(KeyUsagesExtension);
  t.deepEqual([usage?.usages, usage?.critical], [KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign, true]);
  t.true(new NodeCertificate(authority.certificatePem).checkPrivateKey(createPrivateKey(authority.keyPem)));
  t.regex(authority.keyPem, /^-----BEGIN PRIVATE KEY-----\n/);
});

test('the CA carries its name constraints, critical, and they read back as built', async (t) => {
  const authority = await createAuthority({ hostname: 'den', now });
  const constraints = readAuthorityConstraints(authority.certificatePem);
  t.deepEqual(constraints, authorityConstraints('den'));
  t.deepEqual(constraints.dns, ['burrow.lan', 'den.lan', 'localhost']);
  t.false(constraints.ipRanges.some((range) => range.startsWith('fe80') || range.startsWith('169.254')));
  t.true(new X509Certificate(authority.certificatePem).getExtension('2.5.29.30')?.critical);
});

test('two CAs for the same router have different names, so a device can trust both apart', async (t) => {
  const [a, b] = await Promise.all([createAuthority({ hostname: 'x', now }), createAuthority({ hostname: 'x', now })]);
  t.not(new X509Certificate(a.certificatePem).subject, new X509Certificate(b.certificatePem).subject);
});

test('openssl refuses a certificate for a public name or address signed by the CA key: name constraints', async (t) => {
  const authority = await createAuthority({ hostname: 'burrow', now: new Date() });
  const inside = await testCertificate({
    commonName: 'burrow.lan',
    issuer: authority,
    dns: ['burrow.lan'],
    ips: ['192.168.1.1'],
  });
  const accepted = await opensslVerify(authority.certificatePem, inside.certificatePem);
  t.true(accepted.ok, accepted.output);
  for (const outside of [
    { commonName: 'example.com', dns: ['example.com'] },
    { commonName: 'burrow.lan', ips: ['8.8.8.8'] },
    { commonName: 'localhost', dns: ['localhost'], ips: ['2001:4860:4860::8888'] },
    // Not even names that look local: another router's page, or a TLD named like the router.
    { commonName: 'openwrt.lan', dns: ['openwrt.lan'] },
    { commonName: 'burrow', dns: ['burrow'] },
    { commonName: 'www.burrow', dns: ['www.burrow'] },
    { commonName: 'nas.home.arpa', dns: ['nas.home.arpa'] },
  ]) {
    const forged = await testCertificate({ ...outside, issuer: authority });
    const result = await opensslVerify(authority.certificatePem, forged.certificatePem);
    t.false(result.ok, outside.commonName);
    t.regex(result.output, /(permitted subtree violation|name constraints)/i, outside.commonName);
  }
});

test('readAuthorityConstraints refuses a CA without name constraints', async (t) => {
  const plain = await testCertificate({ commonName: 'Plain CA', ca: true });
  t.throws(() => readAuthorityConstraints(plain.certificatePem), { message: /no name constraints/ });
});
