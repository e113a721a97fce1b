// Key pairs for the built-in CA and server certificate, moved between WebCrypto (which @peculiar/x509 signs
// with) and PKCS#8 PEM (which is what goes to disk and to node:tls).
import { createPrivateKey, type webcrypto } from 'node:crypto';
import { subtle } from './x509-library.js';
import { toPem } from './pem.js';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

/** How long before `now` a certificate starts, so a client whose clock lags a little still accepts it. */
export const CLOCK_SKEW_MS = 5 * 60 * 1000;

const CURVES: Record<string, { namedCurve: string; hash: string }> = {
  prime256v1: { namedCurve: 'P-256', hash: 'SHA-256' },
  secp384r1: { namedCurve: 'P-384', hash: 'SHA-384' },
};

export async function generateP256KeyPair(): Promise<CryptoKeyPair> {
  return subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
}

export async function privateKeyPem(key: CryptoKey): Promise<string> {
  return toPem('PRIVATE KEY', new Uint8Array(await subtle.exportKey('pkcs8', key)));
}

/** An ECDSA signing key from PEM, with the signature algorithm to pair it with. */
export async function importSigningKey(pem: string): Promise<{ key: CryptoKey; algorithm: EcdsaParams }> {
  const keyObject = createPrivateKey(pem);
  const curve = CURVES[keyObject.asymmetricKeyDetails?.namedCurve ?? ''];
  if (keyObject.asymmetricKeyType !== 'ec' || !curve) {
    throw new Error('The authority key is not an ECDSA P-256 or P-384 key');
  }
  const pkcs8 = keyObject.export({ type: 'pkcs8', format: 'der' });
  const key = await subtle.importKey('pkcs8', pkcs8, { name: 'ECDSA', namedCurve: curve.namedCurve }, false, ['sign']);
  return { key, algorithm: { name: 'ECDSA', hash: curve.hash } };
}

interface EcdsaParams {
  name: 'ECDSA';
  hash: string;
}
