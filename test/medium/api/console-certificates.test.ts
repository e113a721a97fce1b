// Certificates from the recovery console: a new server certificate from the same CA, or a brand-new CA (the old key
// gone) with an imported certificate still in use; written on disk, audited with the console as their origin, and
// the CA's fingerprint read from disk for the console's header.
import { describeCertificate } from '@burrow/api/certificates/x509/describe';
import { type Actor } from '@burrow/api/services/actor';
import { CertificateService } from '@burrow/api/services/certificate.service';
import { testCertificate } from '@burrow/api/testing/test-certificates';
import test from 'ava';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type InProcessApi } from './in-process-api.js';
import { call, setupAdmin, withApi } from './session-client.js';

const CONSOLE: Actor = { origin: 'console' };

/** The first certificate of a file in certs/, and its issuer. */
async function onDisk(api: InProcessApi, file: string) {
  const text = await readFile(join(api.dataDir, 'certs', file), 'utf8');
  const first = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n/.exec(text)?.[0] ?? '';
  const described = describeCertificate(first);
  return { text, fingerprint: described.fingerprintSha256, issuer: described.issuer, subject: described.subject };
}

test('reissuing makes a new server certificate from the same CA', async (t) => {
  await withApi({}, async (api) => {
    const admin = await setupAdmin(api);
    const certificates = api.app.get(CertificateService);
    const authority = await onDisk(api, 'authority.pem');
    const before = await onDisk(api, 'server.pem');
    t.is(await certificates.authorityFingerprint(), authority.fingerprint);

    const reissued = await certificates.reissueFor(CONSOLE);
    const after = await onDisk(api, 'server.pem');
    t.not(reissued.fingerprintSha256, before.fingerprint);
    t.is(reissued.fingerprintSha256, after.fingerprint, 'what it reports is what is on disk');
    t.is(reissued.authorityFingerprintSha256, authority.fingerprint);
    t.is(after.issuer, authority.subject);
    t.is((await onDisk(api, 'authority.pem')).text, authority.text, 'the CA is untouched');

    const audit = await call<{ events: Array<{ action: string; origin: string; details: Record<string, unknown> }> }>(
      api,
      '/api/audit?action=certificate.renewed',
      { session: admin },
    );
    t.like(audit.body.events[0], { origin: 'console', details: { reason: 'requested' } });
  });
});

test('resetting the authority makes a new CA and server certificate, deletes the old key, keeps an import', async (t) => {
  await withApi({}, async (api) => {
    const admin = await setupAdmin(api);
    const root = await testCertificate({ commonName: 'Test Public Root', ca: true });
    const intermediate = await testCertificate({ commonName: 'Test Issuing CA', ca: true, issuer: root });
    const leaf = await testCertificate({
      commonName: 'vpn.example.org',
      dns: ['vpn.example.org'],
      issuer: intermediate,
    });
    const chain = `${leaf.certificatePem}${intermediate.certificatePem}`;
    const imported = await call(api, '/api/certificates/import', {
      method: 'POST',
      session: admin,
      body: { chain, key: leaf.keyPem },
    });
    t.is(imported.status, 200, JSON.stringify(imported.body));
    const certificates = api.app.get(CertificateService);
    const old = await onDisk(api, 'authority.pem');
    const oldKey = /-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----/.exec(old.text)?.[0] ?? '';
    t.not(oldKey, '');

    const reset = await certificates.resetAuthorityFor(CONSOLE);
    const authority = await onDisk(api, 'authority.pem');
    const server = await onDisk(api, 'server.pem');
    t.not(reset.authorityFingerprintSha256, old.fingerprint);
    t.is(reset.authorityFingerprintSha256, authority.fingerprint);
    t.is(reset.fingerprintSha256, server.fingerprint);
    t.is(server.issuer, authority.subject, 'the server certificate is the new CA’s');
    t.is((await onDisk(api, 'ca.pem')).fingerprint, authority.fingerprint, 'the public copy follows');
    t.is(await certificates.authorityFingerprint(), authority.fingerprint);
    for (const file of await readdir(join(api.dataDir, 'certs'))) {
      t.false((await readFile(join(api.dataDir, 'certs', file), 'utf8')).includes(oldKey), `${file} has the old key`);
    }
    // The import stays in use, in this process and on disk.
    t.is(certificates.served().imported?.chainPem, chain);
    t.regex(await readFile(join(api.dataDir, 'certs', 'state.json'), 'utf8'), /imported/);
    t.is((await onDisk(api, 'imported.pem')).subject, describeCertificate(leaf.certificatePem).subject);

    const audit = await call<{ events: Array<{ action: string; origin: string; details: Record<string, unknown> }> }>(
      api,
      '/api/audit?action=certificate.authority_reset',
      { session: admin },
    );
    t.like(audit.body.events[0], {
      origin: 'console',
      details: {
        previousAuthorityFingerprintSha256: old.fingerprint,
        authorityFingerprintSha256: authority.fingerprint,
      },
    });
  });
});

test('the CA fingerprint for the header is null when there is no CA, and nothing is created', async (t) => {
  await withApi({}, async (api) => {
    const certificates = api.app.get(CertificateService);
    await rm(join(api.dataDir, 'certs'), { recursive: true });
    t.is(await certificates.authorityFingerprint(), null);
    t.deepEqual(
      (await readdir(api.dataDir)).filter((name) => name === 'certs'),
      [],
    );
  });
});
