import type { ApiClient } from '$lib/api/client';
import { expectData, withDeadline } from '$lib/api/request';
import type { ExitCheckResult, ExitCheckState } from '$lib/api/types';

/** The URL (null: the check is off) and where the Internet last saw the household. */
export async function fetchExitCheck(client: ApiClient): Promise<ExitCheckState> {
  return expectData(client.GET('/api/gateway/exit-check', withDeadline()));
}

/** Admins only. An empty string turns the check off; 400 `invalid_exit_check_url` names what is wrong. */
export async function setExitCheckUrl(client: ApiClient, url: string): Promise<ExitCheckState> {
  return expectData(client.PUT('/api/gateway/exit-check', { body: { url }, ...withDeadline() }));
}

/** Admins only. burrowd fetches the URL through the tunnel now (it has ten seconds, and a name to resolve). */
export async function checkExitNow(client: ApiClient): Promise<ExitCheckResult> {
  return expectData(client.POST('/api/gateway/exit-check', withDeadline(40_000)));
}
