import { Injectable } from '@nestjs/common';
import { Secret, TOTP } from 'otpauth';
import { toString as qrCode } from 'qrcode';

const ISSUER = 'Burrow';
/** RFC 6238 defaults, which every authenticator app supports. */
const PERIOD_SECONDS = 30;
const DIGITS = 6;
/** Codes from one step either side are accepted, for clocks a little apart. */
const WINDOW_STEPS = 1;

/** TOTP codes (RFC 6238) and the QR code an authenticator app scans. */
@Injectable()
export class TotpRepository {
  /** A fresh 160-bit secret, base32 as authenticator apps expect. */
  newSecret(): string {
    return new Secret({ size: 20 }).base32;
  }

  otpauthUrl(secret: string, username: string): string {
    return this.totp(secret, username).toString();
  }

  async qrSvgDataUrl(text: string): Promise<string> {
    const svg = await qrCode(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
    return `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
  }

  /** The time step whose code `code` is, if it is valid at `now` (within the window); null otherwise. */
  matchingStep(secret: string, code: string, now: Date): number | null {
    const timestamp = now.getTime();
    const delta = this.totp(secret, '').validate({ token: code, timestamp, window: WINDOW_STEPS });
    return delta === null ? null : TOTP.counter({ period: PERIOD_SECONDS, timestamp }) + delta;
  }

  private totp(secret: string, username: string): TOTP {
    return new TOTP({
      issuer: ISSUER,
      label: username,
      secret: Secret.fromBase32(secret),
      algorithm: 'SHA1',
      digits: DIGITS,
      period: PERIOD_SECONDS,
    });
  }
}
