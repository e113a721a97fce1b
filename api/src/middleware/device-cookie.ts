// The device cookie (services/device.service.ts): `__Host-` (so Secure, Path=/ and no Domain: no other host or
// path can set or shadow it), HttpOnly, SameSite=Strict, and an expiry, as the value inside also carries.
import { type Request, type Response } from 'express';
import { type DeviceCookie } from '../services/device.service.js';

export const DEVICE_COOKIE = '__Host-burrow_device';

/** The device cookie the browser sent, if any. With several of that name, the first is used. */
export function readDeviceCookie(request: Request): string | undefined {
  for (const pair of (request.headers.cookie ?? '').split(';')) {
    const separator = pair.indexOf('=');
    if (separator > 0 && pair.slice(0, separator).trim() === DEVICE_COOKIE) {
      return pair.slice(separator + 1).trim();
    }
  }
  return undefined;
}

export function setDeviceCookie(response: Response, device: DeviceCookie): void {
  response.cookie(DEVICE_COOKIE, device.value, {
    httpOnly: true,
    secure: true,
    sameSite: 'strict',
    path: '/',
    expires: device.expiresAt,
  });
}
