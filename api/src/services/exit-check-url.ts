// The "what is my address" URL burrowd fetches through the tunnel. An admin chooses it (nothing is fetched until
// one does), so it is checked here with reasons a person can act on; burrowd checks it again before using it.
import { DomainError } from './domain-error.js';

export const EXIT_CHECK_URL_MAX_LENGTH = 2048;

/** The URL as it is kept: trimmed, or null for "do not check" (an empty string). */
export function validExitCheckUrl(input: string): string | null {
  const text = input.trim();
  if (text === '') {
    return null;
  }
  const refuse = (message: string) => new DomainError('invalid', 'invalid_exit_check_url', message);
  if (text.length > EXIT_CHECK_URL_MAX_LENGTH) {
    throw refuse(`The address is longer than ${EXIT_CHECK_URL_MAX_LENGTH} characters.`);
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw refuse('That is not a web address; it should look like https://example.net/ip.');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw refuse('The address must start with https:// or http://.');
  }
  if (url.username !== '' || url.password !== '') {
    // The page shows the URL to every signed-in person and burrowd reports it: no place for a password.
    throw refuse('The address must not contain a user name or password.');
  }
  if (url.hostname === '') {
    throw refuse('The address has no host name.');
  }
  return url.toString();
}
