// The "what is my address" URL burrowd fetches through the tunnel. An admin chooses it (nothing is fetched until
// one does), so it is checked here with reasons a person can act on; burrowd checks it again before using it.
import { DomainError } from './domain-error.js';
import { type HttpUrlProblem, readHttpUrl } from './http-url.js';

export const EXIT_CHECK_URL_MAX_LENGTH = 2048;

const MESSAGES: Readonly<Record<HttpUrlProblem, string>> = {
  too_long: `The address is longer than ${EXIT_CHECK_URL_MAX_LENGTH} characters.`,
  spaces: 'The address has spaces or control characters in it.',
  not_http: 'That is not a web address: it should start with https:// or http://, like https://example.net/ip.',
  credentials: 'The address must not contain a user name or password.',
};

/** The URL as it is kept (normalized), or null for "do not check" (an empty string). */
export function validExitCheckUrl(input: string): string | null {
  const read = readHttpUrl(input, EXIT_CHECK_URL_MAX_LENGTH);
  if ('problem' in read) {
    throw new DomainError('invalid', 'invalid_exit_check_url', MESSAGES[read.problem]);
  }
  return read.url;
}
