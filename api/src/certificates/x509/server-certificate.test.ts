import { createPrivateKey, X509Certificate as NodeCertificate } from 'node:crypto';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import test from 'ava';
import { createAuthority } from './authority.js';
import { describeCertificate } from './describe.js';
import { issueServerCertificate, SERVER_CERTIFICATE_DAYS } from './server-certificate.js';
import { opensslVerify } from '../../testing/test-certificates.js';
import {
  BasicConstraintsExtension,
  ExtendedKeyUsage,
  ExtendedKeyUsageExtension,
  KeyUsageFlags,
  KeyUsagesExtension,
  X509Certificate,
} from './x509-library.js';

const names = { dns: ['burrow.lan', 'localhost'], ips: ['127.0.0.1', '192.168.1.1', 'fd00::1'] };

test('the server certificate is a 397-day leaf for exactly the given names, CN the first DNS name', async (t) => {
  const now = new Date('2026-03-01T12:00:00Z');
  const authority = await createAuthority({ hostname: 'burrow', now });
  const issued = await issueServerCertificate({ authority, names, now });
  const certificate = new X509Certificate(issued.certificatePem);
  t.is(certificate.subject, 'CN=burrow.lan');
  t.is(certificate.issuer, new X509Certificate(authority.certificatePem).subject);
  t.deepEqual(describeCertificate(issued.certificatePem).names, [...names.dns, ...names.ips]);
  t.is(certificate.notBefore.getTime(), now.getTime() - 5 * 60_000);
  t.is(certificate.notAfter.getTime() - certificate.notBefore.getTime(), SERVER_CERTIFICATE_DAYS * 86_400_000);
  t.false(certificate.getExtension(BasicConstraintsExtension)?.ca);
  t.is(certificate.getExtension(KeyUsagesExtension)?.usages, KeyUsageFlags.digitalSignature);
  t.deepEqual([...(certificate.getExtension(ExtendedKeyUsageExtension)?.usages ?? [])], [ExtendedKeyUsage.serverAuth]);
  t.true(new NodeCertificate(issued.certificatePem).checkPrivateKey(createPrivateKey(issued.keyPem)));
  t.true(new NodeCertificate(issued.certificatePem).checkIssued(new NodeCertificate(authority.certificatePem)));
});

test('each issue has a fresh key', async (t) => {
  const now = new Date();
  const authority = await createAuthority({ hostname: 'burrow', now });
  const [a, b] = await Promise.all([1, 2].map(() => issueServerCertificate({ authority, names, now })));
  t.not(a?.keyPem, b?.keyPem);
});

test('openssl verifies the server certificate against the CA', async (t) => {
  const now = new Date();
  const authority = await createAuthority({ hostname: 'burrow', now });
  const issued = await issueServerCertificate({ authority, names, now });
  const result = await opensslVerify(authority.certificatePem, issued.certificatePem);
  t.true(result.ok, result.output);
});

test('node:tls serves the pair and a client trusting only the CA verifies burrow.lan', async (t) => {
  const now = new Date();
  const authority = await createAuthority({ hostname: 'burrow', now });
  const issued = await issueServerCertificate({ authority, names, now });
  const server = tls.createServer(
    { cert: issued.certificatePem, key: issued.keyPem, minVersion: 'TLSv1.2' },
    (socket) => socket.end('hello'),
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => server.close());
  const { port } = server.address() as AddressInfo;
  const connect = (servername: string) =>
    new Promise<string>((resolve, reject) => {
      const socket = tls.connect({ host: '127.0.0.1', port, ca: authority.certificatePem, servername }, () => {
        socket.setEncoding('utf8');
        socket.once('data', (data: string) => resolve(data));
      });
      socket.once('error', reject);
    });
  t.is(await connect('burrow.lan'), 'hello');
  t.is(await connect('localhost'), 'hello');
  await t.throwsAsync(connect('router.example.com'), { code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
});

test('a name outside the CA constraints, or no name at all, is refused before anything is signed', async (t) => {
  const now = new Date();
  const authority = await createAuthority({ hostname: 'burrow', now });
  await t.throwsAsync(
    issueServerCertificate({ authority, names: { dns: ['burrow.lan', 'example.com'], ips: [] }, now }),
    {
      message: /example\.com/,
    },
  );
  await t.throwsAsync(issueServerCertificate({ authority, names: { dns: [], ips: ['203.0.113.1'] }, now }), {
    message: /203\.0\.113\.1/,
  });
  await t.throwsAsync(issueServerCertificate({ authority, names: { dns: [], ips: [] }, now }), {
    message: /at least one name/,
  });
});

test('the constraints come from the CA itself: a renamed router keeps what its CA allows', async (t) => {
  const now = new Date();
  const authority = await createAuthority({ hostname: 'den', now });
  t.truthy(await issueServerCertificate({ authority, names: { dns: ['den.lan'], ips: [] }, now }));
  await t.throwsAsync(issueServerCertificate({ authority, names: { dns: ['attic.lan'], ips: [] }, now }), {
    message: /attic/,
  });
});

test('an IP-only certificate is named by its first address, and never outlives its CA', async (t) => {
  const authority = await createAuthority({ hostname: 'burrow', now: new Date('2026-01-01T00:00:00Z') });
  const now = new Date('2035-12-01T00:00:00Z');
  const issued = await issueServerCertificate({ authority, names: { dns: [], ips: ['10.0.0.1'] }, now });
  const certificate = new X509Certificate(issued.certificatePem);
  t.is(certificate.subject, 'CN=10.0.0.1');
  t.deepEqual(certificate.notAfter, new X509Certificate(authority.certificatePem).notAfter);
  await t.throwsAsync(issueServerCertificate({ authority, names, now: new Date('2037-01-01T00:00:00Z') }), {
    message: /expired/,
  });
});
