// Checks an uploaded certificate chain and key before the router serves them. In order:
//   1. the certificate field parses as PEM certificates   (certificate-pem)
//   2. the key field parses as one usable private key     (key-pem, key-encrypted, key-unsupported)
//   3. the key belongs to the first certificate           (key-mismatch; chain-order when it fits a later one)
//   4. each certificate was signed by the next, a CA      (chain-order)
//   5. no signature uses SHA-1 or MD5                     (weak-signature)
//   6. the first certificate is valid now and for a while (not-yet-valid, expired, expires-soon)
//   7. the issuers are valid now                          (issuer-not-valid)
//   8. a CA issued it, and the chain holds that CA        (self-signed, issuer-missing)
//   9. it names a DNS name that is not the router's own   (names)
//  10. it may be used by a web server                     (not-a-server-certificate)
// (The service then has Node's TLS build a context from the pair, which refuses what browsers would: refused-by-tls.)
// The first failure throws an ImportRefusedError; nothing is stored here, so a refusal changes nothing.
//
// Which names an import may be for (9): any DNS name except the router's built-in ones (`burrow.lan`,
// `<hostname>.lan`, `localhost` and names below them) and its addresses, which the built-in certificate always
// answers for (see certificate-selector.ts). An import adds a name; it never replaces how the household reaches
// the router. Nothing the client chose counts here (not its TLS server name, not its Host header): the admin says
// which name they mean by the certificate they bring, and a certificate authority vouched for it (8).
import type { KeyObject, X509Certificate as NodeCertificate } from 'node:crypto';
import { readChain, readKey } from './import-pem.js';
import { ImportRefusedError } from './import-refused.js';
import { toPem } from './pem.js';
import { isBuiltInName } from './router-names.js';
import { certificateNames } from './subject-names.js';
import {
  BasicConstraintsExtension,
  ExtendedKeyUsage,
  ExtendedKeyUsageExtension,
  KeyUsageFlags,
  KeyUsagesExtension,
  X509Certificate,
} from './x509-library.js';

export { ImportRefusedError, type ImportCheck } from './import-refused.js';

export const DEFAULT_MIN_REMAINING_DAYS = 7;

const DAY_MS = 24 * 60 * 60 * 1000;

export interface ImportInput {
  chainPem: string;
  keyPem: string;
  /** The router's own DNS names, as subtrees (`burrow.lan`, `<hostname>.lan`, `localhost`): never an import's. */
  builtInNames: readonly string[];
  now: Date;
  /** How long the certificate must stay valid after `now`; 7 days unless given. */
  minRemainingDays?: number;
}

/** Resolves to the chain as normalised PEM (leaf first) and the key as PKCS#8 PEM; rejects with ImportRefusedError. */
export function checkImport(input: ImportInput): Promise<{ chainPem: string; keyPem: string }> {
  // The checks are synchronous; the executor turns a throw into a rejection, as callers of a promise expect.
  return new Promise((resolve) => resolve(checkNow(input)));
}

function checkNow(input: ImportInput): { chainPem: string; keyPem: string } {
  const chain = readChain(input.chainPem);
  const key = readKey(input.keyPem);
  checkKeyMatches(chain, key);
  checkChainOrder(chain);
  const parsed = chain.map((certificate) => new X509Certificate(certificate.raw));
  checkSignatureHashes(parsed);
  const leaf = parsed[0] ?? new X509Certificate(new Uint8Array());
  checkValidity(leaf, input.now, input.minRemainingDays ?? DEFAULT_MIN_REMAINING_DAYS);
  checkIssuersValid(parsed.slice(1), input.now);
  checkIssued(chain);
  checkNames(leaf, input.builtInNames);
  checkServerUse(leaf);
  return {
    chainPem: chain.map((certificate) => toPem('CERTIFICATE', certificate.raw)).join(''),
    keyPem: key.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

function checkKeyMatches(chain: NodeCertificate[], key: KeyObject): void {
  const [leaf, ...rest] = chain;
  if (!leaf || leaf.checkPrivateKey(key)) {
    return;
  }
  const owner = rest.findIndex((certificate) => certificate.checkPrivateKey(key));
  if (owner >= 0) {
    throw new ImportRefusedError(
      'chain-order',
      `The key belongs to certificate ${owner + 2} in the chain (${label(rest[owner])}), not the first. ` +
        'Put the chain in order: your certificate first, then each issuer.',
    );
  }
  throw new ImportRefusedError(
    'key-mismatch',
    `The key does not belong to the first certificate in the chain (${label(leaf)}). Paste the key that was ` +
      "created together with this certificate's signing request, or the certificate that was issued for this key.",
  );
}

function checkChainOrder(chain: NodeCertificate[]): void {
  const refuse = (message: string) => new ImportRefusedError('chain-order', message);
  const fix = 'Put the chain in order: your certificate first, then each issuer.';
  chain.slice(1).forEach((issuer, index) => {
    const subject = chain[index];
    const [n, m] = [index + 1, index + 2];
    if (!subject) {
      return;
    }
    // checkIssued compares the names as X.509 does; the text comparison catches what it refuses for other reasons.
    if (subject.issuer !== issuer.subject && !subject.checkIssued(issuer)) {
      throw refuse(
        `Certificate ${m} in the chain (${label(issuer)}) did not sign certificate ${n}, which was issued by ` +
          `${issuerLabel(subject)}. ${fix} Include the certificate of ${issuerLabel(subject)} if it is missing.`,
      );
    }
    if (!issuer.ca) {
      throw refuse(
        `Certificate ${m} in the chain (${label(issuer)}) is not a certificate authority, so it cannot sign ` +
          `certificate ${n}. ${fix}`,
      );
    }
    if (!subject.checkIssued(issuer) || !subject.verify(issuer.publicKey)) {
      throw refuse(
        `Certificate ${m} in the chain has the right name (${label(issuer)}) but did not sign certificate ${n}: ` +
          'it is probably an older or newer certificate of the same issuer. Use the intermediate certificates ' +
          'your certificate authority sent with this certificate.',
      );
    }
  });
}

// Browsers refuse both, anywhere in the chain (a root's self-signature excepted: nobody checks it).
const WEAK_HASHES = new Set(['SHA-1', 'MD5']);

function checkSignatureHashes(chain: X509Certificate[]): void {
  chain.forEach((certificate, index) => {
    const hash = (certificate.signatureAlgorithm as { hash?: { name?: string } }).hash?.name ?? '';
    const selfSigned = certificate.subject === certificate.issuer;
    if (WEAK_HASHES.has(hash.toUpperCase()) && !(selfSigned && index > 0)) {
      throw new ImportRefusedError(
        'weak-signature',
        `Certificate ${index + 1} in the chain (${certificate.subject}) is signed with ${hash}, which browsers no ` +
          'longer accept. Ask your certificate authority for a certificate signed with SHA-256.',
      );
    }
  });
}

function checkIssuersValid(issuers: X509Certificate[], now: Date): void {
  issuers.forEach((issuer, index) => {
    if (issuer.notBefore > now || issuer.notAfter <= now) {
      throw new ImportRefusedError(
        'issuer-not-valid',
        `Certificate ${index + 2} in the chain (${issuer.subject}) is valid only from ${moment(issuer.notBefore)} ` +
          `to ${moment(issuer.notAfter)}. Use the current intermediate certificates from your certificate authority.`,
      );
    }
  });
}

function checkValidity(leaf: X509Certificate, now: Date, minRemainingDays: number): void {
  if (leaf.notBefore > now) {
    throw new ImportRefusedError(
      'not-yet-valid',
      `The certificate is not valid until ${moment(leaf.notBefore)}. Import it after that time, or check that ` +
        "the router's clock is right.",
    );
  }
  if (leaf.notAfter <= now) {
    throw new ImportRefusedError(
      'expired',
      `The certificate expired on ${day(leaf.notAfter)}. Renew it with your certificate authority and import ` +
        'the new one.',
    );
  }
  if (leaf.notAfter.getTime() - now.getTime() < minRemainingDays * DAY_MS) {
    throw new ImportRefusedError(
      'expires-soon',
      `The certificate expires on ${moment(leaf.notAfter)}, in less than ${minRemainingDays} days. Renew it ` +
        'with your certificate authority and import the new one.',
    );
  }
}

// A self-signed leaf vouches for nobody but itself: no browser trusts it, and the names it could be for are the
// router's own, which its own CA already serves. A real name's certificate comes with its issuer's chain.
function checkIssued(chain: NodeCertificate[]): void {
  const [leaf] = chain;
  if (!leaf) {
    return;
  }
  if (leaf.subject === leaf.issuer && leaf.verify(leaf.publicKey)) {
    throw new ImportRefusedError(
      'self-signed',
      `The certificate (${label(leaf)}) is self-signed: it vouches for itself, so browsers trust it nowhere, and the ` +
        "router's own certificate already answers for its local names. Import a certificate that a certificate " +
        "authority issued for your domain name, followed by the authority's intermediate certificates.",
    );
  }
  if (chain.length === 1) {
    throw new ImportRefusedError(
      'issuer-missing',
      `The chain holds your certificate only, not the certificate of its issuer (${issuerLabel(leaf)}), which ` +
        'browsers need to trust it. Paste the intermediate certificates your certificate authority sent after your ' +
        'certificate (often in a file named chain.pem or fullchain.pem).',
    );
  }
}

function checkNames(leaf: X509Certificate, builtInNames: readonly string[]): void {
  const names = certificateNames(leaf);
  if (names.dns.some((name) => !isBuiltInName(name, builtInNames))) {
    return;
  }
  const certificateHas = [...names.dns, ...names.ips];
  if (certificateHas.length === 0) {
    throw new ImportRefusedError(
      'names',
      'The certificate names no host (it has no Subject Alternative Name, and browsers ignore the Common Name). ' +
        'Use a certificate for the domain name you will open the page by.',
    );
  }
  throw new ImportRefusedError(
    'names',
    `The certificate is for ${certificateHas.join(', ')} only. An imported certificate is never served for the ` +
      `router's own names (${builtInNames.join(', ')} and names below them) or its addresses, which keep the ` +
      "router's own certificate, so this one could never be used. Use a certificate for the domain name you will " +
      'open the page by, such as router.example.com.',
  );
}

function checkServerUse(leaf: X509Certificate): void {
  const refuse = (message: string) => new ImportRefusedError('not-a-server-certificate', message);
  const ask = 'Ask your certificate authority for a TLS server (web server) certificate.';
  if (leaf.getExtension(BasicConstraintsExtension)?.ca) {
    throw refuse(
      `The first certificate in the chain is a certificate authority, which browsers refuse as a web site's certificate. ${ask}`,
    );
  }
  const usages = leaf.getExtension(ExtendedKeyUsageExtension)?.usages;
  if (usages && !usages.includes(ExtendedKeyUsage.serverAuth)) {
    throw refuse(
      `The certificate is not for web servers: its extended key usage does not include TLS server authentication. ${ask}`,
    );
  }
  const keyUsage = leaf.getExtension(KeyUsagesExtension);
  if (keyUsage && !(keyUsage.usages & KeyUsageFlags.digitalSignature)) {
    throw refuse(`The certificate's key usage does not allow digital signatures, which HTTPS needs. ${ask}`);
  }
  const unknown = leaf.extensions.filter((extension) => extension.critical && !KNOWN_CRITICAL.has(extension.type));
  if (unknown.length > 0) {
    throw refuse(
      `The certificate has critical extensions browsers do not understand (${unknown.map((e) => e.type).join(', ')}), ` +
        `so they would refuse it. ${ask}`,
    );
  }
}

// Extensions a browser understands, so a leaf may mark them critical: basic constraints, key usage, extended key
// usage, subject and issuer alternative names, certificate policies, policy constraints, inhibit anyPolicy.
const KNOWN_CRITICAL = new Set([
  '2.5.29.19',
  '2.5.29.15',
  '2.5.29.37',
  '2.5.29.17',
  '2.5.29.18',
  '2.5.29.32',
  '2.5.29.36',
  '2.5.29.54',
]);

// A certificate in a message: its Common Name if it has one, else its whole subject.
function label(certificate: NodeCertificate | undefined): string {
  const subject = certificate?.subject ?? '';
  return /^CN=(.*)$/m.exec(subject)?.[1] ?? subject.replace(/\n/g, ', ');
}

function issuerLabel(certificate: NodeCertificate): string {
  return /^CN=(.*)$/m.exec(certificate.issuer)?.[1] ?? certificate.issuer.replace(/\n/g, ', ');
}

function day(date: Date): string {
  return date.toISOString().slice(0, 10);
}

function moment(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
