import type { LanDevice } from '$lib/api/types';

export type DevicePolicy = LanDevice['policy'];

/** How a LAN device goes out, as the page offers it; the tunnel is every device's default. */
export const POLICY_CHOICES: ReadonlyArray<{ value: DevicePolicy; label: string }> = [
  { value: 'tunnel', label: 'Through the tunnel' },
  { value: 'blocked', label: 'Blocked' },
  { value: 'direct', label: 'Direct (bypasses the VPN)' },
];

export function policyWords(policy: DevicePolicy): string {
  return POLICY_CHOICES.find((choice) => choice.value === policy)?.label ?? policy;
}

/** What the page calls a device: the admin's name, else the one it gave DHCP, else its MAC. */
export function deviceLabel(device: Pick<LanDevice, 'name' | 'hostname' | 'mac'>): string {
  return device.name ?? device.hostname ?? device.mac;
}
