import { WEBHOOK_URL_MAX } from '../dtos/event.dto.js';
import { DomainError } from './domain-error.js';

/**
 * The webhook URL to store, or null for none (an empty input). Only plain http(s) URLs: no user name or password
 * in them (fetch refuses those; a token goes in the path or query, as ntfy and Gotify put it), no spaces or control
 * characters. Messages never quote the input, which may hold a token.
 */
export function checkWebhookUrl(input: string): string | null {
  const trimmed = input.trim();
  if (trimmed === '') {
    return null;
  }
  const invalid = (message: string) => new DomainError('invalid', 'webhook_url_invalid', message);
  if (trimmed.length > WEBHOOK_URL_MAX) {
    throw invalid(`The webhook URL is longer than ${WEBHOOK_URL_MAX} characters`);
  }
  // eslint-disable-next-line no-control-regex
  if (/[\s\u0000-\u001f\u007f]/.test(trimmed)) {
    throw invalid('The webhook URL has spaces or control characters in it');
  }
  const url = URL.parse(trimmed);
  if (url === null || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') {
    throw invalid('The webhook URL must be a full http:// or https:// address');
  }
  if (url.username !== '' || url.password !== '') {
    throw invalid('Put no user name or password in the webhook URL; a token goes in its path or query');
  }
  return url.href;
}
