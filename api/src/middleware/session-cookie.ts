// The session cookie. HttpOnly (scripts never see it), SameSite=Strict (no other site's page sends it),
// Path=/, Secure whenever the request came over HTTPS. No Max-Age: the server decides when a session ends.
import { type CookieOptions, type Request, type Response } from 'express';

export const SESSION_COOKIE = 'burrow_session';

/** The session id the browser sent, if any. With several cookies of that name, the first is used. */
export function readSessionToken(request: Request): string | undefined {
  const header = request.headers.cookie;
  if (header === undefined) {
    return undefined;
  }
  for (const pair of header.split(';')) {
    const separator = pair.indexOf('=');
    if (separator > 0 && pair.slice(0, separator).trim() === SESSION_COOKIE) {
      return pair.slice(separator + 1).trim();
    }
  }
  return undefined;
}

export function setSessionCookie(request: Request, response: Response, token: string): void {
  response.cookie(SESSION_COOKIE, token, cookieOptions(request));
}

export function clearSessionCookie(request: Request, response: Response): void {
  response.clearCookie(SESSION_COOKIE, cookieOptions(request));
}

function cookieOptions(request: Request): CookieOptions {
  return { httpOnly: true, sameSite: 'strict', secure: request.secure, path: '/' };
}
