import type { ApiClient } from '$lib/api/client';
import { apiErrorFromFailure, apiErrorFromResponse } from '$lib/api/errors';
import type { SystemStatus } from '$lib/api/types';

/** A status request that takes longer than this is treated as a failure, so a poll never hangs. */
const REQUEST_TIMEOUT_MS = 4000;

/** Reads the router's live status. Throws an `ApiError` describing what went wrong. */
export async function fetchSystemStatus(client: ApiClient): Promise<SystemStatus> {
  let result;
  try {
    result = await client.GET('/api/system/status', { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  } catch (cause) {
    throw apiErrorFromFailure(cause);
  }
  const { data, error, response } = result;
  if (data === undefined) {
    throw apiErrorFromResponse(response, error);
  }
  return data;
}
