import type { ApiClient } from '$lib/api/client';
import { expectData, withDeadline } from '$lib/api/request';
import type { SecuritySettings } from '$lib/api/types';

export async function fetchSecuritySettings(client: ApiClient): Promise<SecuritySettings> {
  return expectData(client.GET('/api/settings/security', withDeadline()));
}

export async function saveSecuritySettings(client: ApiClient, settings: SecuritySettings): Promise<SecuritySettings> {
  return expectData(client.PUT('/api/settings/security', { body: settings, ...withDeadline() }));
}
