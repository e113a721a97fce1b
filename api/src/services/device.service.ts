import { Injectable } from '@nestjs/common';
import { CryptoRepository } from '../repositories/crypto.repository.js';
import { ServerSecretRepository } from '../repositories/server-secret.repository.js';

// Device cookies, as OWASP's "Slow Down Online Guessing Attacks with Device Cookies" describes them: a browser
// that has signed in as a user gets a cookie naming that user and a random device id, signed with a key only the
// server knows. A sign-in that brings a valid one for the same user is not held by that user name's lock (which
// strangers can set off), but counted against the device's own allowance (lockout-policy.ts).
//
//   cookie value:  <user id>.<device id>.<expiry, epoch seconds>.<HMAC-SHA256 over the three, base64url>

/** How long a device stays known after its last sign-in (each sign-in issues a fresh cookie). */
export const DEVICE_COOKIE_LIFETIME_MS = 90 * 24 * 60 * 60_000;

const SECRET_NAME = 'device_cookie_key';
const MAC_CONTEXT = 'burrow-device-cookie-v1';
const VALUE = /^([1-9][0-9]{0,15})\.([A-Za-z0-9_-]{22})\.([1-9][0-9]{0,11})\.([A-Za-z0-9_-]{43})$/;

export interface DeviceCookie {
  value: string;
  expiresAt: Date;
}

/** What a valid cookie says. */
export interface KnownDevice {
  userId: number;
  /** Random, unique per cookie issued: what the device's own attempts are counted under. */
  deviceId: string;
}

@Injectable()
export class DeviceService {
  private key: Promise<string> | undefined;

  constructor(
    private readonly crypto: CryptoRepository,
    private readonly secrets: ServerSecretRepository,
  ) {}

  /** A new cookie for `userId`'s device, valid for DEVICE_COOKIE_LIFETIME_MS from `now`. */
  async issue(userId: number, now: Date): Promise<DeviceCookie> {
    const expiresAt = new Date(now.getTime() + DEVICE_COOKIE_LIFETIME_MS);
    const payload = `${userId}.${this.crypto.randomToken(16)}.${Math.floor(expiresAt.getTime() / 1000)}`;
    return { value: `${payload}.${await this.mac(payload)}`, expiresAt };
  }

  /** The device a cookie value names, if it is well formed, signed by this server and not expired at `now`. */
  async verify(value: string | undefined, now: Date): Promise<KnownDevice | undefined> {
    const match = VALUE.exec(value ?? '');
    if (match === null) {
      return undefined;
    }
    const [, userId = '', deviceId = '', expires = '', mac = ''] = match;
    const expected = await this.mac(`${userId}.${deviceId}.${expires}`);
    if (!this.crypto.equalsConstantTime(mac, expected) || Number(expires) * 1000 <= now.getTime()) {
      return undefined;
    }
    return { userId: Number(userId), deviceId };
  }

  private async mac(payload: string): Promise<string> {
    this.key ??= this.secrets
      .getOrCreate(SECRET_NAME, () => this.crypto.randomToken(32), new Date())
      .catch((error: unknown) => {
        this.key = undefined;
        throw error;
      });
    return this.crypto.hmacBase64url(await this.key, `${MAC_CONTEXT}.${payload}`);
  }
}
