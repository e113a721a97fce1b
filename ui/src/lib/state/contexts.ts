import { createContext } from 'svelte';
import type { SystemStatus } from '$lib/api/types';
import type { Router } from '$lib/router/router.svelte';
import type { Poller } from './poller.svelte';

/** Set once by App: the router, and the live system status that the header and Status page share. */
export const [getRouter, setRouter] = createContext<Router>();
export const [getSystemStatus, setSystemStatus] = createContext<Poller<SystemStatus>>();
