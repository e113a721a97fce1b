import type { ApiClient } from '$lib/api/client';
import { type DownloadedFile, expectData, expectFile, expectOk, withDeadline } from '$lib/api/request';
import type { Tunnel, TunnelChanges, TunnelCheck, TunnelImport } from '$lib/api/types';

/**
 * The API's limit on a file's text (api/src/tunnels/wg-quick-parse.ts, CONFIG_MAX_BYTES). A provider's file is
 * well under 1 KiB, so a bigger one is the wrong file and is not read into the page.
 */
export const TUNNEL_FILE_MAX_BYTES = 64 * 1024;

/** The API's limit on a profile's name (api/src/dtos/tunnel.dto.ts, TUNNEL_NAME_MAX_LENGTH). */
export const TUNNEL_NAME_MAX_LENGTH = 64;

/** Every profile, in the order failover tries them; keys other than public ones are never in the answer. */
export async function listTunnels(client: ApiClient): Promise<Tunnel[]> {
  return expectData(client.GET('/api/tunnels', withDeadline()));
}

/** What a wg-quick file holds, with what the router will ignore; nothing is saved. */
export async function checkTunnel(client: ApiClient, config: string): Promise<TunnelCheck> {
  return expectData(client.POST('/api/tunnels/check', { body: { config }, ...withDeadline() }));
}

/** Saves a profile at the end of the list; a refusal names each line and field and saves nothing. */
export async function importTunnel(client: ApiClient, name: string, config: string): Promise<TunnelImport> {
  return expectData(client.POST('/api/tunnels', { body: { name, config }, ...withDeadline() }));
}

/** Renames, moves (`priority`, 0 first; the others shift) or takes a profile in or out of failover. */
export async function updateTunnel(client: ApiClient, id: number, changes: TunnelChanges): Promise<Tunnel> {
  return expectData(client.PATCH('/api/tunnels/{id}', { params: { path: { id } }, body: changes, ...withDeadline() }));
}

/** Refused (409) for the profile carrying traffic while the kill switch is off. */
export async function deleteTunnel(client: ApiClient, id: number): Promise<void> {
  await expectOk(client.DELETE('/api/tunnels/{id}', { params: { path: { id } }, ...withDeadline() }));
}

/** Uses this profile from now on while it works; failover still moves on when it stops. */
export async function activateTunnel(client: ApiClient, id: number): Promise<Tunnel> {
  return expectData(client.POST('/api/tunnels/{id}/activate', { params: { path: { id } }, ...withDeadline() }));
}

/**
 * The profile as a wg-quick file. Without a password the keys are left out (anyone signed in may read it);
 * with the admin's current password they are in, and the router's audit log records it.
 */
export async function exportTunnel(client: ApiClient, tunnel: Tunnel, password?: string): Promise<DownloadedFile> {
  const path = { params: { path: { id: tunnel.id } }, parseAs: 'text', ...withDeadline() } as const;
  const fallback = `${tunnel.name}.conf`;
  return password === undefined
    ? expectFile(client.GET('/api/tunnels/{id}/export', path), fallback)
    : expectFile(client.POST('/api/tunnels/{id}/export', { ...path, body: { password } }), fallback);
}
