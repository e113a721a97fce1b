import createClient, { type Client } from 'openapi-fetch';
import type { paths } from './schema';

export type ApiClient = Client<paths>;

/**
 * The typed client every service uses. The API serves this page, so requests go back to the
 * page's own origin; nothing here ever talks to another host.
 */
export function createApiClient(origin: string = window.location.origin): ApiClient {
  return createClient<paths>({ baseUrl: origin });
}
