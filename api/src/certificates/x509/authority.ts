// The router's own certificate authority: self-signed, ten years, and name-constrained to the router's names and
// private address ranges, so even a stolen CA key cannot vouch for a public site.
import { randomBytes } from 'node:crypto';
import {
  BasicConstraintsExtension,
  KeyUsageFlags,
  KeyUsagesExtension,
  SubjectKeyIdentifierExtension,
  X509Certificate,
  X509CertificateGenerator,
} from './x509-library.js';
import { CLOCK_SKEW_MS, generateP256KeyPair, privateKeyPem } from './keys.js';
import { nameConstraintsExtension, readNameConstraints } from './name-constraints.js';
import { pemToDer } from './pem.js';
import { authorityConstraints, hostnameLabel, type NameConstraintsSpec } from './router-names.js';

export interface KeyPairPem {
  certificatePem: string;
  /** PKCS#8 */
  keyPem: string;
}

export const AUTHORITY_YEARS = 10;

export async function createAuthority(options: { hostname: string; now: Date }): Promise<KeyPairPem> {
  const keys = await generateP256KeyPair();
  const notBefore = new Date(options.now.getTime() - CLOCK_SKEW_MS);
  const notAfter = new Date(notBefore);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + AUTHORITY_YEARS);
  // The random suffix tells apart the CAs of two routers (or of one router reset), which a user may both trust.
  const commonName = `Burrow router CA (${hostnameLabel(options.hostname) ?? 'burrow'}) ${randomBytes(4).toString('hex')}`;
  const certificate = await X509CertificateGenerator.createSelfSigned({
    name: [{ O: ['Burrow'] }, { CN: [commonName] }],
    notBefore,
    notAfter,
    keys,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    extensions: [
      new BasicConstraintsExtension(true, 0, true),
      new KeyUsagesExtension(KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign, true),
      await SubjectKeyIdentifierExtension.create(keys.publicKey),
      nameConstraintsExtension(authorityConstraints(options.hostname)),
    ],
  });
  return { certificatePem: certificate.toString('pem') + '\n', keyPem: await privateKeyPem(keys.privateKey) };
}

/** The permitted subtrees the CA certificate really carries (they may predate a hostname change). */
export function readAuthorityConstraints(certificatePem: string): NameConstraintsSpec {
  const constraints = readNameConstraints(new X509Certificate(pemToDer(certificatePem)));
  if (!constraints) {
    throw new Error('The authority certificate has no name constraints');
  }
  return constraints;
}
