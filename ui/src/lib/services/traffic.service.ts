import type { ApiClient } from '$lib/api/client';
import { expectData, withDeadline } from '$lib/api/request';
import type { TrafficRange, TunnelTraffic } from '$lib/api/types';

/**
 * What a profile carried over the last hour (one point a minute), day (ten minutes) or month (four hours), with
 * the bytes of the last couple of seconds included.
 */
export async function fetchTunnelTraffic(client: ApiClient, id: number, range: TrafficRange): Promise<TunnelTraffic> {
  return expectData(
    client.GET('/api/tunnels/{id}/traffic', { params: { path: { id }, query: { range } }, ...withDeadline() }),
  );
}
