import type { ApiClient } from '$lib/api/client';
import { expectData, withDeadline } from '$lib/api/request';
import type { RouterEventList, WebhookDelivery, WebhookSettings } from '$lib/api/types';

/** A read that takes longer than this is a failed poll, so polling never hangs. */
const READ_TIMEOUT_MS = 5_000;
/** The webhook gets 5 s to answer a test; the API answers just after. */
const TEST_TIMEOUT_MS = 15_000;

/** The newest events, newest first. */
export async function fetchEvents(client: ApiClient, limit: number): Promise<RouterEventList> {
  return expectData(client.GET('/api/events', { params: { query: { limit } }, ...withDeadline(READ_TIMEOUT_MS) }));
}

/** Admins only: the URL (it may hold a token), the last delivery and how many events wait. */
export async function fetchWebhook(client: ApiClient): Promise<WebhookSettings> {
  return expectData(client.GET('/api/events/webhook', withDeadline()));
}

/** Admins only. An empty URL sends no events; 400 `webhook_url_invalid` for anything but http(s). */
export async function saveWebhookUrl(client: ApiClient, url: string): Promise<WebhookSettings> {
  return expectData(client.PUT('/api/events/webhook', { body: { url }, ...withDeadline() }));
}

/** Admins only. Sends a test event now; a webhook that fails answers `ok: false`, not an error. */
export async function testWebhook(client: ApiClient): Promise<WebhookDelivery> {
  return expectData(client.POST('/api/events/webhook/test', withDeadline(TEST_TIMEOUT_MS)));
}
