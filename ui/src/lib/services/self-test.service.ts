import type { ApiClient } from '$lib/api/client';
import { expectData, withDeadline } from '$lib/api/request';
import type { SelfTestResult, SelfTestState } from '$lib/api/types';

/** The last self-test since the API started, if any. */
export async function fetchSelfTest(client: ApiClient): Promise<SelfTestState> {
  return expectData(client.GET('/api/selftest', withDeadline()));
}

/** Admins only. burrowd runs every check; 503 `firmware_unavailable` when it does not answer. */
export async function runSelfTest(client: ApiClient): Promise<SelfTestResult> {
  return expectData(client.POST('/api/selftest', withDeadline(40_000)));
}
