import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { toDataURL } from 'qrcode';
import { encodeKeyBase64 } from '@burrow/firmware/crypto/keys';
import { generatePrivateKey, publicKeyFromPrivate } from '@burrow/firmware/crypto/x25519';

export interface WireGuardKeyPair {
  /** Base64, as `wg genkey` prints it: a secret. */
  privateKey: string;
  publicKey: string;
}

/** WireGuard keys for remote access (X25519 from node:crypto) and the QR code a WireGuard app scans. */
@Injectable()
export class WireGuardKeyRepository {
  keyPair(): WireGuardKeyPair {
    const privateKey = generatePrivateKey();
    const pair = {
      privateKey: encodeKeyBase64(privateKey),
      publicKey: encodeKeyBase64(publicKeyFromPrivate(privateKey)),
    };
    privateKey.fill(0);
    return pair;
  }

  /** 32 random bytes, base64, as `wg genpsk` prints them. */
  presharedKey(): string {
    return randomBytes(32).toString('base64');
  }

  /** A PNG data URL of a QR code of exactly `text`. */
  qrPngDataUrl(text: string): Promise<string> {
    return toDataURL(text, { type: 'image/png', errorCorrectionLevel: 'M', margin: 2, scale: 4 });
  }
}
