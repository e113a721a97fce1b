// The one reading of an http(s) URL an admin types for the router to call (the exit check, the events webhook):
// trimmed, whole, plain http or https, no spaces or control characters, and no user name or password (the page
// shows these URLs, and a token belongs in the path or query, where ntfy and Gotify put it).

export type HttpUrlProblem = 'too_long' | 'spaces' | 'not_http' | 'credentials';

/** The URL normalized, null for an empty input (none), or what is wrong with it; never throws. */
export function readHttpUrl(input: string, maxLength: number): { url: string | null } | { problem: HttpUrlProblem } {
  const trimmed = input.trim();
  if (trimmed === '') {
    return { url: null };
  }
  if (trimmed.length > maxLength) {
    return { problem: 'too_long' };
  }
  // eslint-disable-next-line no-control-regex
  if (/[\s\u0000-\u001f\u007f]/.test(trimmed)) {
    return { problem: 'spaces' };
  }
  const url = URL.parse(trimmed);
  if (url === null || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') {
    return { problem: 'not_http' };
  }
  if (url.username !== '' || url.password !== '') {
    return { problem: 'credentials' };
  }
  return { url: url.href };
}
