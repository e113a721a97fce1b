// The router's HTTPS certificate, issued by its own CA for the names the CA's constraints permit.
import {
  AuthorityKeyIdentifierExtension,
  BasicConstraintsExtension,
  ExtendedKeyUsage,
  ExtendedKeyUsageExtension,
  KeyUsageFlags,
  KeyUsagesExtension,
  SubjectAlternativeNameExtension,
  SubjectKeyIdentifierExtension,
  X509Certificate,
  X509CertificateGenerator,
} from './x509-library.js';
import { readAuthorityConstraints, type KeyPairPem } from './authority.js';
import { CLOCK_SKEW_MS, generateP256KeyPair, importSigningKey, privateKeyPem } from './keys.js';
import { pemToDer } from './pem.js';
import { splitByConstraints, type RouterNames } from './router-names.js';

/** The longest lifetime browsers accept for a server certificate (CA/Browser Forum, Apple: 398 days). */
export const SERVER_CERTIFICATE_DAYS = 397;

const DAY_MS = 24 * 60 * 60 * 1000;

export async function issueServerCertificate(options: {
  authority: KeyPairPem;
  names: RouterNames;
  now: Date;
}): Promise<KeyPairPem> {
  const { names } = options;
  const authority = new X509Certificate(pemToDer(options.authority.certificatePem));
  const { uncovered } = splitByConstraints(names, readAuthorityConstraints(options.authority.certificatePem));
  if (uncovered.length > 0) {
    throw new Error(`The router's CA may not issue a certificate for ${uncovered.join(', ')}`);
  }
  const commonName = names.dns[0] ?? names.ips[0];
  if (commonName === undefined) {
    throw new Error('A server certificate needs at least one name');
  }
  const notBefore = new Date(options.now.getTime() - CLOCK_SKEW_MS);
  // Never outlive the CA: clients would refuse the certificate for the rest of its life anyway.
  const notAfter = new Date(
    Math.min(notBefore.getTime() + SERVER_CERTIFICATE_DAYS * DAY_MS, authority.notAfter.getTime()),
  );
  if (notAfter <= options.now) {
    throw new Error("The router's CA has expired");
  }
  const signer = await importSigningKey(options.authority.keyPem);
  const keys = await generateP256KeyPair();
  const certificate = await X509CertificateGenerator.create({
    subject: [{ CN: [commonName] }],
    issuer: authority.subjectName,
    notBefore,
    notAfter,
    publicKey: keys.publicKey,
    signingKey: signer.key,
    signingAlgorithm: signer.algorithm,
    extensions: [
      new BasicConstraintsExtension(false, undefined, true),
      new KeyUsagesExtension(KeyUsageFlags.digitalSignature, true),
      new ExtendedKeyUsageExtension([ExtendedKeyUsage.serverAuth]),
      new SubjectAlternativeNameExtension([
        ...names.dns.map((value) => ({ type: 'dns' as const, value })),
        ...names.ips.map((value) => ({ type: 'ip' as const, value })),
      ]),
      await authorityKeyIdentifier(authority),
      await SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certificatePem: certificate.toString('pem') + '\n', keyPem: await privateKeyPem(keys.privateKey) };
}

// Point at the CA by the key identifier it declares itself, so path building matches SKI to AKI exactly.
async function authorityKeyIdentifier(authority: X509Certificate): Promise<AuthorityKeyIdentifierExtension> {
  const ski = authority.getExtension(SubjectKeyIdentifierExtension);
  return ski
    ? new AuthorityKeyIdentifierExtension(ski.keyId)
    : AuthorityKeyIdentifierExtension.create(authority.publicKey);
}
