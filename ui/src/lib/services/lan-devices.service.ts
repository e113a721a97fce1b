import type { ApiClient } from '$lib/api/client';
import { expectData, withDeadline } from '$lib/api/request';
import type { LanDevice, LanDeviceChanges, LanSettings, LanSettingsChanges } from '$lib/api/types';

/** The API's limit on a device's name (api/src/dtos/lan.dto.ts). */
export const LAN_DEVICE_NAME_MAX_LENGTH = 64;

/** Every device seen on the LAN (leases and the neighbour table), with its policy and reservation. */
export async function listLanDevices(client: ApiClient): Promise<LanDevice[]> {
  return expectData(client.GET('/api/devices', withDeadline()));
}

/** Names a device, sets how it goes out, or reserves an address for it; a MAC not seen yet is remembered. */
export async function updateLanDevice(client: ApiClient, mac: string, changes: LanDeviceChanges): Promise<LanDevice> {
  return expectData(
    client.PATCH('/api/devices/{mac}', { params: { path: { mac } }, body: changes, ...withDeadline() }),
  );
}

export async function fetchLanSettings(client: ApiClient): Promise<LanSettings> {
  return expectData(client.GET('/api/lan', withDeadline()));
}

/**
 * Saves the router's address, DHCP range, lease time and domain. Refused (409 `lan_cut_off`) when it would cut off
 * the device sending it, unless `confirm` is true.
 */
export async function saveLanSettings(client: ApiClient, settings: LanSettingsChanges): Promise<LanSettings> {
  return expectData(client.PUT('/api/lan', { body: settings, ...withDeadline() }));
}
