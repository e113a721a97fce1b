import { WEBHOOK_URL_MAX } from '../dtos/event.dto.js';
import { DomainError } from './domain-error.js';
import { type HttpUrlProblem, readHttpUrl } from './http-url.js';

const MESSAGES: Readonly<Record<HttpUrlProblem, string>> = {
  too_long: `The webhook URL is longer than ${WEBHOOK_URL_MAX} characters`,
  spaces: 'The webhook URL has spaces or control characters in it',
  not_http: 'The webhook URL must be a full http:// or https:// address',
  credentials: 'Put no user name or password in the webhook URL; a token goes in its path or query',
};

/** The webhook URL to store, or null for none (an empty input). Messages never quote the input, which may hold a token. */
export function checkWebhookUrl(input: string): string | null {
  const read = readHttpUrl(input, WEBHOOK_URL_MAX);
  if ('problem' in read) {
    throw new DomainError('invalid', 'webhook_url_invalid', MESSAGES[read.problem]);
  }
  return read.url;
}
