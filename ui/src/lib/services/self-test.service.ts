import type { ApiClient } from '$lib/api/client';
import { expectData, withDeadline } from '$lib/api/request';
import type { SelfTestResult } from '$lib/api/types';

// The last result reaches the page with the gateway (GET /api/gateway and the live stream), not on its own.

/** Admins only. burrowd runs every check; 503 `firmware_unavailable` when it does not answer. */
export async function runSelfTest(client: ApiClient): Promise<SelfTestResult> {
  return expectData(client.POST('/api/selftest', withDeadline(40_000)));
}
