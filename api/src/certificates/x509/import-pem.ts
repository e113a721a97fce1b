// The first two import checks: the certificate field holds PEM certificates and nothing else, and the key field
// holds one unencrypted private key of a kind node:tls can serve. Each refusal names what was pasted instead.
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { ImportRefusedError } from './import-refused.js';
import { describeKey } from './key-algorithm.js';
import { scanPem, type PemScan } from './pem.js';

/** A longer chain is a paste of a whole trust store, not a server's chain. */
export const MAX_CHAIN_LENGTH = 10;

const KEY_LABELS: Record<string, 'pkcs8' | 'pkcs1' | 'sec1'> = {
  'PRIVATE KEY': 'pkcs8',
  'RSA PRIVATE KEY': 'pkcs1',
  'EC PRIVATE KEY': 'sec1',
};
const PASTE_AGAIN = 'Copy it again from the original file, including the BEGIN and END lines.';

export function readChain(chainPem: string): X509Certificate[] {
  const refuse = (message: string) => new ImportRefusedError('certificate-pem', message);
  if (chainPem.trim() === '') {
    throw refuse(
      'The certificate field is empty. Paste your certificate in PEM form (the text starting with ' +
        '-----BEGIN CERTIFICATE-----), followed by any intermediate certificates.',
    );
  }
  const scan = scanPem(chainPem);
  const labels = new Set(scan.blocks.map((block) => block.label));
  const keyLabel = [...labels].find((label) => label.endsWith('PRIVATE KEY'));
  if (keyLabel) {
    throw refuse(
      `The certificate field holds a private key (-----BEGIN ${keyLabel}-----). Paste the key into the key ` +
        'field, and only certificates (-----BEGIN CERTIFICATE-----) into the certificate field.',
    );
  }
  if (labels.has('CERTIFICATE REQUEST') || labels.has('NEW CERTIFICATE REQUEST')) {
    throw refuse(
      'The certificate field holds a certificate signing request, not a certificate. Send the request to your ' +
        'certificate authority and paste the certificate it returns.',
    );
  }
  const other = [...labels].find((label) => label !== 'CERTIFICATE');
  if (other) {
    throw refuse(
      `The certificate field holds a -----BEGIN ${other}----- block, which is not a certificate. Export the ` +
        'certificates in PEM form (each starting with -----BEGIN CERTIFICATE-----) and paste only those.',
    );
  }
  refuseBrokenBlocks(scan, 'certificate', refuse);
  if (scan.blocks.length === 0) {
    throw refuse(
      'The certificate field does not hold a PEM certificate (there is no -----BEGIN CERTIFICATE----- line). ' +
        'If you have a binary .cer, .der, .pfx or .p12 file, convert it to PEM first.',
    );
  }
  if (scan.blocks.length > MAX_CHAIN_LENGTH) {
    throw refuse(
      `The certificate field holds ${scan.blocks.length} certificates; at most ${MAX_CHAIN_LENGTH} are ` +
        'accepted. Paste your certificate and its intermediate certificates only.',
    );
  }
  return scan.blocks.map((block, index) => {
    try {
      return new X509Certificate(block.der);
    } catch {
      throw refuse(`Certificate ${index + 1} in the chain is not a valid X.509 certificate. ${PASTE_AGAIN}`);
    }
  });
}

export function readKey(keyPem: string): KeyObject {
  const refuse = (message: string) => new ImportRefusedError('key-pem', message);
  if (keyPem.trim() === '') {
    throw refuse(
      'The key field is empty. Paste the private key that belongs to the certificate (the text starting with ' +
        '-----BEGIN PRIVATE KEY-----, -----BEGIN RSA PRIVATE KEY----- or -----BEGIN EC PRIVATE KEY-----).',
    );
  }
  const scan = scanPem(keyPem);
  const keys = scan.blocks.filter((block) => block.label.endsWith('PRIVATE KEY'));
  const encrypted = keys.some(
    (block) => block.label === 'ENCRYPTED PRIVATE KEY' || block.headers.some((header) => /ENCRYPTED/i.test(header)),
  );
  if (encrypted) {
    throw new ImportRefusedError(
      'key-encrypted',
      'The private key is protected by a passphrase, which the router would need every time it starts. ' +
        'Remove the passphrase first, for example with "openssl pkey -in protected.key -out plain.key" ' +
        '(it asks for the passphrase once), and paste the result.',
    );
  }
  if (keys.some((block) => block.label === 'OPENSSH PRIVATE KEY')) {
    throw new ImportRefusedError(
      'key-unsupported',
      'This is an OpenSSH key, which HTTPS cannot use. Paste the private key that was created together with ' +
        "the certificate's signing request.",
    );
  }
  const usable = keys.filter((block) => block.label in KEY_LABELS);
  if (usable.length > 1) {
    throw refuse(
      `The key field holds ${usable.length} private keys; paste only the one that belongs to the certificate.`,
    );
  }
  const [block] = usable;
  if (!block) {
    refuseBrokenBlocks(scan, 'private key', refuse);
    throw refuse(keyFieldMistake(scan));
  }
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: block.der, format: 'der', type: KEY_LABELS[block.label] ?? 'pkcs8' });
  } catch {
    throw refuse(`The private key cannot be read: it is damaged or not a ${block.label.toLowerCase()}. ${PASTE_AGAIN}`);
  }
  refuseUnsupportedKey(key);
  return key;
}

function keyFieldMistake(scan: PemScan): string {
  const labels = scan.blocks.map((found) => found.label);
  if (labels.includes('CERTIFICATE')) {
    return 'The key field holds a certificate, not a private key. Paste the certificate into the certificate field and the private key (-----BEGIN PRIVATE KEY----- or similar) into the key field.';
  }
  if (labels.some((label) => label.endsWith('PUBLIC KEY'))) {
    return 'The key field holds a public key. Paste the private key that belongs to the certificate instead; it starts with -----BEGIN PRIVATE KEY----- or similar.';
  }
  const [first] = labels;
  if (first) {
    return `The key field holds a -----BEGIN ${first}----- block, which is not a private key. Paste the private key that belongs to the certificate.`;
  }
  return 'The key field does not hold a PEM private key (there is no -----BEGIN PRIVATE KEY----- line or similar). If you have a binary .key, .der, .pfx or .p12 file, convert it to PEM first.';
}

function refuseBrokenBlocks(scan: PemScan, what: string, refuse: (message: string) => ImportRefusedError): void {
  const [unterminated] = scan.unterminated;
  if (unterminated !== undefined) {
    throw refuse(
      `A ${what} is cut off: its -----END ${unterminated}----- line is missing. ` +
        'Paste the whole text, including the BEGIN and END lines.',
    );
  }
  if (scan.damaged.length > 0) {
    throw refuse(`A ${what} is damaged: the text between its BEGIN and END lines is not valid base64. ${PASTE_AGAIN}`);
  }
}

const MAX_RSA_BITS = 4096;

// What node:tls serves and browsers accept: RSA of 2048 bits or more, ECDSA on P-256 or P-384. OpenSSL would
// serve Ed25519 too, but browsers do not accept it: importing one would lock the household out of the page.
function refuseUnsupportedKey(key: KeyObject): void {
  const refuse = (message: string) => new ImportRefusedError('key-unsupported', message);
  const kind = describeKey(key);
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'rsa') {
    if ((details.modulusLength ?? 0) < 2048) {
      throw refuse(
        `The RSA key is ${details.modulusLength ?? 'too few'} bits long; keys shorter than 2048 bits are too weak ` +
          'and browsers refuse them. Create a new key of at least 2048 bits and get a certificate for it.',
      );
    }
    // Every handshake signs with the key on the router's one API thread: a 16384-bit key would let anyone stall
    // the page by opening connections.
    if ((details.modulusLength ?? 0) > MAX_RSA_BITS) {
      throw refuse(
        `The RSA key is ${details.modulusLength} bits long; the router signs every connection with it and serves ` +
          `keys of at most ${MAX_RSA_BITS} bits. Use a 2048, 3072 or 4096-bit RSA key, or an ECDSA P-256 key.`,
      );
    }
    return;
  }
  if (kind === 'ECDSA P-256' || kind === 'ECDSA P-384') {
    return;
  }
  throw refuse(
    `The key is a ${kind} key, which browsers do not accept. Use an RSA key of 2048 bits or more, or an ` +
      'ECDSA P-256 or P-384 key, and get a certificate for it.',
  );
}
