import type { ApiClient } from '$lib/api/client';
import { expectAnswer, withDeadline } from '$lib/api/request';
import type { GatewayStatus } from '$lib/api/types';

/** A gateway request that takes longer than this is a failed poll, so polling never hangs. */
const REQUEST_TIMEOUT_MS = 4000;

/** The gateway as the router reported it, and the router's clock at that moment. */
export interface GatewayReading {
  status: GatewayStatus;
  /**
   * The router's time when it answered (from the Date header, in epoch ms), so "12 s ago" compares the router's
   * timestamps with the router's own clock, not with this device's, which may be set differently.
   */
  routerTime: number;
}

function reading(status: GatewayStatus, response: Response): GatewayReading {
  const routerTime = Date.parse(response.headers.get('Date') ?? '');
  return { status, routerTime: Number.isNaN(routerTime) ? Date.now() : routerTime };
}

/** The kill switch, the tunnel in force, each profile's health and the latest failover events. */
export async function fetchGateway(client: ApiClient): Promise<GatewayReading> {
  const { data, response } = await expectAnswer(client.GET('/api/gateway', withDeadline(REQUEST_TIMEOUT_MS)));
  return reading(data, response);
}

/** Admins only. Off lets devices use the Internet provider directly whenever the tunnel is down. */
export async function setKillSwitch(client: ApiClient, enabled: boolean): Promise<GatewayReading> {
  const { data, response } = await expectAnswer(
    client.PUT('/api/gateway/kill-switch', { body: { enabled }, ...withDeadline() }),
  );
  return reading(data, response);
}
