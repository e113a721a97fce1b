// The session cookie. HttpOnly (scripts never see it), SameSite=Strict (no other site's page sends it), and a
// `__Host-` name: the browser keeps it only if it is Secure, has Path=/ and no Domain, so neither a sibling host
// (another `.lan` page) nor a plain-HTTP page can plant or overwrite it. The page is only served over HTTPS anyway.
// No Max-Age: the server decides when a session ends.
import { type CookieOptions, type Request, type Response } from 'express';

export const SESSION_COOKIE = '__Host-burrow_session';

// What `__Host-` demands: Secure, Path=/, no Domain.
const COOKIE_OPTIONS: CookieOptions = { httpOnly: true, sameSite: 'strict', secure: true, path: '/' };

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

export function setSessionCookie(_request: Request, response: Response, token: string): void {
  response.cookie(SESSION_COOKIE, token, COOKIE_OPTIONS);
}

export function clearSessionCookie(_request: Request, response: Response): void {
  response.clearCookie(SESSION_COOKIE, COOKIE_OPTIONS);
}
