// How HTTPS speaks TLS: 1.2 at least, and on 1.2 only forward-secret AEAD suites (Mozilla's "intermediate"
// profile, which every browser of the last decade speaks). TLS 1.3 suites are all modern, and OpenSSL picks 1.3
// whenever the client offers it. RSA suites stay for imported RSA certificates.
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import { ImportRefusedError } from '../certificates/x509/import-check.js';
import { type KeyAndChain } from '../repositories/certificate-file.repository.js';

const TLS12_CIPHERS = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
];

/** The options of a secure context serving `served`: given at start, and again on every swap. */
export function secureContextOptions(served: KeyAndChain): SecureContextOptions {
  return {
    key: served.keyPem,
    cert: served.chainPem,
    minVersion: 'TLSv1.2',
    ciphers: TLS12_CIPHERS.join(':'),
    ecdhCurve: 'X25519:P-256:P-384',
  };
}

/**
 * Throws ImportRefusedError unless Node's TLS builds a context from the pair: OpenSSL refuses what the checks may
 * not name (a weak signature deep in a chain, say), and a pair it refuses must never reach the disk, or the next
 * start would fail on it.
 */
export function assertServable(served: KeyAndChain): void {
  try {
    createSecureContext(secureContextOptions(served));
  } catch (error) {
    const reason = (error as { reason?: unknown }).reason;
    throw new ImportRefusedError(
      'refused-by-tls',
      `The router's TLS library refuses this certificate and key (${typeof reason === 'string' ? reason : 'no reason given'}). ` +
        'Ask your certificate authority for a certificate signed with SHA-256, for an ECDSA P-256 or a 2048 to 4096-bit RSA key.',
    );
  }
}
