// Test helper: certificates built with none of the product's guards, so tests can make the chains a user might
// upload (an intermediate, a wrong order, an expired leaf, a client-only certificate) and the ones a stolen
// CA key could sign (a public name). Not used by product code.
import { execFile } from 'node:child_process';
import { generateKeyPairSync, createPublicKey, type KeyObject } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KeyPairPem } from '../certificates/x509/authority.js';
import { importSigningKey } from '../certificates/x509/keys.js';
import { pemToDer } from '../certificates/x509/pem.js';
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
  type Extension,
} from '../certificates/x509/x509-library.js';

export interface TestCertificateOptions {
  commonName: string;
  /** Signs the certificate; self-signed (with `key`, which must then be ECDSA) when absent. */
  issuer?: KeyPairPem;
  /** The certificate's key; a fresh ECDSA P-256 key when absent. */
  key?: KeyObject;
  ca?: boolean;
  dns?: string[];
  ips?: string[];
  notBefore?: Date;
  notAfter?: Date;
  /** Default: serverAuth for leaves, no extension for CAs; null leaves the extension out. */
  extendedKeyUsages?: string[] | null;
  keyUsage?: KeyUsageFlags;
  /** The signature's hash, SHA-256 (or SHA-384 for a P-384 issuer) unless given: e.g. 'SHA-1'. */
  signatureHash?: string;
  /** Added as they are, e.g. an unknown critical extension. */
  extraExtensions?: Extension[];
}

const DAY_MS = 24 * 60 * 60 * 1000;

export function ecKey(namedCurve = 'P-256'): KeyObject {
  return generateKeyPairSync('ec', { namedCurve }).privateKey;
}

export async function testCertificate(options: TestCertificateOptions): Promise<KeyPairPem> {
  const key = options.key ?? ecKey();
  const keyPem = key.export({ type: 'pkcs8', format: 'pem' }).toString();
  const signer = await importSigningKey(options.issuer?.keyPem ?? keyPem);
  const issuer = options.issuer ? new X509Certificate(pemToDer(options.issuer.certificatePem)) : undefined;
  const publicKey = new Uint8Array(createPublicKey(key).export({ type: 'spki', format: 'der' }));
  const notBefore = options.notBefore ?? new Date(Date.now() - DAY_MS);
  const extensions: Extension[] = [
    new BasicConstraintsExtension(options.ca ?? false, undefined, true),
    new KeyUsagesExtension(
      options.keyUsage ??
        (options.ca ? KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign : KeyUsageFlags.digitalSignature),
      true,
    ),
    await SubjectKeyIdentifierExtension.create(publicKey),
  ];
  const usages =
    options.extendedKeyUsages === undefined
      ? options.ca
        ? null
        : [ExtendedKeyUsage.serverAuth]
      : options.extendedKeyUsages;
  if (usages) {
    extensions.push(new ExtendedKeyUsageExtension(usages));
  }
  if (options.dns || options.ips) {
    extensions.push(
      new SubjectAlternativeNameExtension([
        ...(options.dns ?? []).map((value) => ({ type: 'dns' as const, value })),
        ...(options.ips ?? []).map((value) => ({ type: 'ip' as const, value })),
      ]),
    );
  }
  if (issuer) {
    extensions.push(await AuthorityKeyIdentifierExtension.create(issuer.publicKey));
  }
  const certificate = await X509CertificateGenerator.create({
    subject: [{ CN: [options.commonName] }],
    issuer: issuer?.subjectName ?? [{ CN: [options.commonName] }],
    notBefore,
    notAfter: options.notAfter ?? new Date(notBefore.getTime() + 90 * DAY_MS),
    publicKey,
    signingKey: signer.key,
    signingAlgorithm: { ...signer.algorithm, hash: options.signatureHash ?? signer.algorithm.hash },
    extensions: [...extensions, ...(options.extraExtensions ?? [])],
  });
  return { certificatePem: certificate.toString('pem') + '\n', keyPem };
}

/**
 * Runs `openssl verify -CAfile ca.pem [-untrusted chain.pem] leaf.pem` on temporary files (argv, no shell) and
 * returns its exit status and output, so a test can assert both acceptance and the reason for a refusal.
 */
export async function opensslVerify(
  caPem: string,
  leafPem: string,
  untrustedPem?: string,
): Promise<{ ok: boolean; output: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'burrow-x509-'));
  try {
    await writeFile(join(dir, 'ca.pem'), caPem);
    await writeFile(join(dir, 'leaf.pem'), leafPem);
    const args = ['verify', '-CAfile', join(dir, 'ca.pem')];
    if (untrustedPem) {
      await writeFile(join(dir, 'untrusted.pem'), untrustedPem);
      args.push('-untrusted', join(dir, 'untrusted.pem'));
    }
    args.push(join(dir, 'leaf.pem'));
    return await new Promise((resolve) => {
      execFile('openssl', args, (error, stdout, stderr) => {
        resolve({ ok: error === null, output: `${stdout}${stderr}` });
      });
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
