// What the UI and API show about a certificate: names, validity, fingerprint, key.
import { createHash, X509Certificate as NodeCertificate } from 'node:crypto';
import { Name, X509Certificate } from './x509-library.js';
import { describeKey } from './key-algorithm.js';
import { pemToDer } from './pem.js';
import { certificateNames } from './subject-names.js';

export { pemToDer, splitCertificates } from './pem.js';

export interface CertificateSummary {
  subject: string;
  issuer: string;
  serialNumber: string;
  /** SAN DNS names, then SAN IP addresses. */
  names: string[];
  notBefore: Date;
  notAfter: Date;
  fingerprintSha256: string;
  keyAlgorithm: string;
}

/** Describes the first certificate in the PEM text. */
export function describeCertificate(pem: string): CertificateSummary {
  const der = pemToDer(pem);
  const certificate = new X509Certificate(der);
  const names = certificateNames(certificate);
  return {
    subject: readableName(certificate.subjectName),
    issuer: readableName(certificate.issuerName),
    serialNumber: certificate.serialNumber.toUpperCase(),
    names: [...names.dns, ...names.ips],
    notBefore: certificate.notBefore,
    notAfter: certificate.notAfter,
    fingerprintSha256: fingerprintSha256(der),
    keyAlgorithm: describeKey(new NodeCertificate(der).publicKey),
  };
}

/** A name as RFC 4514 writes it, most specific first: `CN=Burrow router CA …, O=Burrow` rather than the reverse. */
function readableName(name: Name): string {
  return new Name(name.toJSON().reverse()).toString();
}

/** SHA-256 of the DER, as uppercase hex pairs joined by ':' (the form browsers and `openssl x509 -fingerprint` show). */
export function fingerprintSha256(der: Uint8Array): string {
  return (createHash('sha256').update(der).digest('hex').toUpperCase().match(/../g) ?? []).join(':');
}
