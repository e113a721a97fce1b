import type { ApiClient } from '$lib/api/client';
import { expectData, expectOk, withDeadline } from '$lib/api/request';
import type { CreatedMetricsToken, MetricsToken } from '$lib/api/types';

/** Where Prometheus scrapes: outside /api, on the address this page was opened with. */
export function scrapeUrl(origin: string): string {
  return `${origin}/metrics`;
}

/** The scrape tokens (admins only); never the tokens themselves. */
export async function listMetricsTokens(client: ApiClient): Promise<MetricsToken[]> {
  return expectData(client.GET('/api/metrics/tokens', withDeadline()));
}

/** A new token: the answer is the only place it is ever shown. */
export async function createMetricsToken(client: ApiClient, name: string): Promise<CreatedMetricsToken> {
  return expectData(client.POST('/api/metrics/tokens', { body: { name }, ...withDeadline() }));
}

/** The next scrape with it gets 401. */
export async function revokeMetricsToken(client: ApiClient, id: number): Promise<void> {
  await expectOk(client.DELETE('/api/metrics/tokens/{id}', { params: { path: { id } }, ...withDeadline() }));
}
