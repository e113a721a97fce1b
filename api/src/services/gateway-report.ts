// Reading burrowd's status report: only the fields the page shows, each checked, so an odd report shows as
// "unknown" instead of breaking the page. burrowd never reports keys other than public ones.
import { count, id, isRecord, list, text, time } from './report-fields.js';

export interface PeerReport {
  publicKey: string;
  endpoint: string | null;
  lastHandshake: string | null;
  rxBytes: number;
  txBytes: number;
}

export interface ProfileReport {
  id: number;
  name: string;
  state: 'active' | 'connecting' | 'standby' | 'failed';
  reason: string | null;
  failedAt: number | null;
  retryAt: number | null;
}

export interface EventReport {
  at: number;
  kind: 'activated' | 'failed_over' | 'recovered' | 'all_failed';
  from: number | null;
  to: number | null;
  reason: string;
}

export interface GatewayReport {
  peers: PeerReport[];
  activeId: number | null;
  profiles: ProfileReport[];
  events: EventReport[];
}

const PROFILE_STATES = new Set(['active', 'connecting', 'standby', 'failed']);
const EVENT_KINDS = new Set(['activated', 'failed_over', 'recovered', 'all_failed']);

export function readGatewayReport(raw: unknown): GatewayReport | null {
  if (!isRecord(raw) || !isRecord(raw['upstream'])) {
    return null;
  }
  const upstream = raw['upstream'];
  return {
    peers: list(raw['peers']).flatMap((peer) =>
      isRecord(peer) && typeof peer['publicKey'] === 'string'
        ? [
            {
              publicKey: peer['publicKey'],
              endpoint: text(peer['endpoint']),
              lastHandshake: text(peer['lastHandshake']),
              rxBytes: count(peer['rxBytes']),
              txBytes: count(peer['txBytes']),
            },
          ]
        : [],
    ),
    activeId: id(upstream['activeId']),
    profiles: list(upstream['profiles']).flatMap((profile) => {
      const profileId = isRecord(profile) ? id(profile['id']) : null;
      if (!isRecord(profile) || profileId === null || !PROFILE_STATES.has(String(profile['state']))) {
        return [];
      }
      return [
        {
          id: profileId,
          name: text(profile['name']) ?? '',
          state: profile['state'] as ProfileReport['state'],
          reason: text(profile['reason']),
          failedAt: time(profile['failedAt']),
          retryAt: time(profile['retryAt']),
        },
      ];
    }),
    events: list(upstream['events']).flatMap((event) => {
      const at = isRecord(event) ? time(event['at']) : null;
      if (!isRecord(event) || at === null || !EVENT_KINDS.has(String(event['kind']))) {
        return [];
      }
      return [
        {
          at,
          kind: event['kind'] as EventReport['kind'],
          from: id(event['from']),
          to: id(event['to']),
          reason: text(event['reason']) ?? '',
        },
      ];
    }),
  };
}

/** The router's LAN addresses as burrowd applied them (no prefix length); none when it did not answer. */
export function readLanAddresses(raw: unknown): string[] {
  const lan = (raw as { state?: { lan?: { address?: unknown; ipv6Prefix?: unknown } } } | null)?.state?.lan;
  return [lan?.address, lan?.ipv6Prefix]
    .filter((value): value is string => typeof value === 'string')
    .map((cidr) => cidr.split('/')[0]!);
}

/**
 * Until when the recovery console disarmed the kill switch (ISO time), from burrowd's `killSwitchState`; null when
 * it is not disarmed or burrowd did not answer.
 */
export function readDisarmedUntil(raw: unknown): string | null {
  const state = (raw as { killSwitchState?: { disarmedUntil?: unknown } } | null)?.killSwitchState;
  return typeof state?.disarmedUntil === 'string' && !Number.isNaN(Date.parse(state.disarmedUntil))
    ? state.disarmedUntil
    : null;
}
