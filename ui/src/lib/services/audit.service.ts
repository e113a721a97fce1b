import type { ApiClient } from '$lib/api/client';
import { expectData, withDeadline } from '$lib/api/request';
import type { AuditPage, AuditQuery } from '$lib/api/types';

/** One page of the audit log, newest first; pass `nextBefore` back as `before` for the next page. */
export async function fetchAuditPage(client: ApiClient, query: AuditQuery): Promise<AuditPage> {
  return expectData(client.GET('/api/audit', { params: { query }, ...withDeadline() }));
}
