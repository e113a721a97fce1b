import type { RemoteDevice } from '$lib/api/types';

export type Reach = RemoteDevice['reach'];

/** What a remote device may reach, as the page offers it. */
export const REACH_CHOICES: ReadonlyArray<{ value: Reach; label: string; hint: string }> = [
  {
    value: 'lan',
    label: 'Home network only',
    hint: 'Your LAN devices and the router; its own Internet stays its own.',
  },
  {
    value: 'internet',
    label: 'Home network and the Internet through the VPN',
    hint: 'Everything goes through the router and out through the upstream tunnel, never in the clear.',
  },
];

export function reachWords(reach: Reach): string {
  return reach === 'lan' ? 'LAN only' : 'LAN and Internet through the VPN';
}

/**
 * A date from a date field (YYYY-MM-DD) as the end of that day in the viewer's time zone, as an ISO instant: "expires
 * on the 3rd" means it still works on the 3rd. Null for an empty field, undefined for one that is not a date.
 */
export function expiryFromDate(date: string): string | null | undefined {
  if (date.trim() === '') {
    return null;
  }
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date.trim());
  if (!match) {
    return undefined;
  }
  const end = new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]), 23, 59, 59);
  return Number.isNaN(end.getTime()) ? undefined : end.toISOString();
}
