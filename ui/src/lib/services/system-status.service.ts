import type { ApiClient } from '$lib/api/client';
import { expectData, withDeadline } from '$lib/api/request';
import type { SystemStatus } from '$lib/api/types';

/** A status request that takes longer than this is treated as a failure, so a poll never hangs. */
const REQUEST_TIMEOUT_MS = 4000;

/** Reads the router's live status. Throws an `ApiError` describing what went wrong. */
export async function fetchSystemStatus(client: ApiClient): Promise<SystemStatus> {
  return expectData(client.GET('/api/system/status', withDeadline(REQUEST_TIMEOUT_MS)));
}
