import type { ApiClient } from '$lib/api/client';
import { expectData, expectOk, withDeadline } from '$lib/api/request';
import type {
  NewRemoteDevice,
  RemoteAccess,
  RemoteAccessChanges,
  RemoteDevice,
  RemoteDeviceChanges,
  RemoteDeviceCreated,
  RouterEvent,
  TrafficRange,
  TunnelTraffic,
} from '$lib/api/types';
import { fetchEvents } from './events.service';

/** The API's limit on a remote device's name (api/src/dtos/remote-access.dto.ts). */
export const REMOTE_DEVICE_NAME_MAX_LENGTH = 64;

/** Whether the router accepts devices from outside, on which port and addresses, and what they dial. */
export async function fetchRemoteAccess(client: ApiClient): Promise<RemoteAccess> {
  return expectData(client.GET('/api/remote-access', withDeadline()));
}

/** Turns remote access on or off, or changes its port, addresses or dialled name; refusals name the field. */
export async function saveRemoteAccess(client: ApiClient, settings: RemoteAccessChanges): Promise<RemoteAccess> {
  return expectData(client.PUT('/api/remote-access', { body: settings, ...withDeadline() }));
}

/** Every remote device with what burrowd last saw of it (handshake, endpoint, bytes); public keys only. */
export async function listRemoteDevices(client: ApiClient): Promise<RemoteDevice[]> {
  return expectData(client.GET('/api/remote-access/devices', withDeadline()));
}

/**
 * Adds a device. Without `publicKey` the router makes its keys; the answer alone carries its .conf and QR code,
 * which no later request returns.
 */
export async function addRemoteDevice(client: ApiClient, device: NewRemoteDevice): Promise<RemoteDeviceCreated> {
  return expectData(client.POST('/api/remote-access/devices', { body: device, ...withDeadline() }));
}

/** Renames, changes what it may reach, enables or disables it, or changes its expiry. */
export async function updateRemoteDevice(
  client: ApiClient,
  id: number,
  changes: RemoteDeviceChanges,
): Promise<RemoteDevice> {
  return expectData(
    client.PATCH('/api/remote-access/devices/{id}', { params: { path: { id } }, body: changes, ...withDeadline() }),
  );
}

/** New keys made on the router: the old ones stop working; the answer is shown once like a new device's. */
export async function rekeyRemoteDevice(client: ApiClient, id: number): Promise<RemoteDeviceCreated> {
  return expectData(
    client.POST('/api/remote-access/devices/{id}/rekey', { params: { path: { id } }, ...withDeadline() }),
  );
}

export async function deleteRemoteDevice(client: ApiClient, id: number): Promise<void> {
  await expectOk(client.DELETE('/api/remote-access/devices/{id}', { params: { path: { id } }, ...withDeadline() }));
}

/** What the device sent and received over the last hour, day or month: the same shape as a profile's chart. */
export async function fetchRemoteDeviceTraffic(
  client: ApiClient,
  id: number,
  range: TrafficRange,
): Promise<TunnelTraffic> {
  return expectData(
    client.GET('/api/remote-access/devices/{id}/traffic', {
      params: { path: { id }, query: { range } },
      ...withDeadline(),
    }),
  );
}

/**
 * The device's newest events, newest first. The event list has no filter: the router keeps its newest 1,000 and
 * the newest `scanned` are searched for this device's (they name it by id in their details).
 */
export async function fetchRemoteDeviceEvents(client: ApiClient, id: number, scanned = 200): Promise<RouterEvent[]> {
  const { events } = await fetchEvents(client, scanned);
  return events.filter((event) => event.kind.startsWith('remote_device.') && event.details['deviceId'] === id);
}
