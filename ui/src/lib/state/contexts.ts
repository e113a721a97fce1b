import { createContext } from 'svelte';
import type { ApiClient } from '$lib/api/client';
import type { LanDevice, SystemStatus } from '$lib/api/types';
import type { Router } from '$lib/router/router.svelte';
import type { GatewayMonitor } from './gateway.svelte';
import type { Poller } from './poller.svelte';
import type { Session } from './session.svelte';
import type { StatusStream } from './status-stream.svelte';

/**
 * Set once by App: the router, the API client, the signed-in session, the live system status that the header
 * and the Status page share, the gateway that the kill-switch banner, the Status and the Tunnel page share, and the
 * live status stream (for what only one page listens to, such as new events), and the LAN's devices that the
 * "direct" banner and the Devices page share.
 */
export const [getRouter, setRouter] = createContext<Router>();
export const [getApiClient, setApiClient] = createContext<ApiClient>();
export const [getSession, setSession] = createContext<Session>();
export const [getSystemStatus, setSystemStatus] = createContext<Poller<SystemStatus>>();
export const [getGateway, setGateway] = createContext<GatewayMonitor>();
export const [getStatusStream, setStatusStream] = createContext<StatusStream>();
export const [getLanDevices, setLanDevices] = createContext<Poller<LanDevice[]>>();
