/**
 * "What is my address" services the page offers for the exit check; none is used unless an admin picks it (the
 * router fetches nothing by default), and any other URL that answers an address in text or JSON works too.
 */
export const KNOWN_EXIT_CHECK_URLS: readonly string[] = [
  'https://api.ipify.org/',
  'https://icanhazip.com/',
  'https://ifconfig.me/ip',
];

/** The choice a URL stands for in the chooser: off, one of the known services, or another address. */
export function exitCheckChoice(url: string): 'off' | 'known' | 'other' {
  if (url.trim() === '') {
    return 'off';
  }
  return KNOWN_EXIT_CHECK_URLS.includes(url) ? 'known' : 'other';
}
