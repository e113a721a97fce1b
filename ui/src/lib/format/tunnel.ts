import type { FailoverEvent, GatewayStatus, ProfileHealth, TunnelState } from '$lib/api/types';

/** How a state looks besides its words: a symbol, so colour is never the only sign. */
export type Tone = 'good' | 'busy' | 'warn' | 'bad' | 'idle';

export interface StateWords {
  /** "Connected", "Connecting…": the state in a word or two. */
  label: string;
  /** One sentence saying what it means for the household. */
  meaning: string;
  tone: Tone;
}

export const TONE_SYMBOLS: Readonly<Record<Tone, string>> = {
  good: '✓',
  busy: '…',
  warn: '⚠',
  bad: '✕',
  idle: '–',
};

const STATE_WORDS: Readonly<Record<TunnelState, StateWords>> = {
  up: {
    label: 'Connected',
    meaning: "Your devices' Internet traffic goes through the tunnel.",
    tone: 'good',
  },
  connecting: {
    label: 'Connecting…',
    meaning: 'The router is reaching the VPN server; no handshake has completed yet.',
    tone: 'busy',
  },
  failed_over: {
    label: 'Switched to backup server',
    meaning: 'A preferred server stopped answering, so traffic goes through the next profile in your list.',
    tone: 'warn',
  },
  down: {
    label: 'Down',
    meaning: 'No VPN server answers. The router keeps trying every profile in your list.',
    tone: 'bad',
  },
  none: {
    label: 'No VPN profile yet',
    meaning: 'Add the .conf file your VPN provider gave you, below.',
    tone: 'idle',
  },
  unknown: {
    label: 'Router not answering',
    meaning: "The router's tunnel service does not answer, so the tunnel's state is not known right now.",
    tone: 'bad',
  },
};

/** The tunnel's state as the page says it. */
export function tunnelStateWords(gateway: GatewayStatus): StateWords {
  if (!gateway.reachable) {
    return STATE_WORDS.unknown;
  }
  if (gateway.tunnel.state === 'none' && gateway.profiles.length > 0) {
    return { label: 'Not connected', meaning: 'No profile is in use yet.', tone: 'idle' };
  }
  return STATE_WORDS[gateway.tunnel.state];
}

/** What a sync state means for a change someone just made; null when everything is applied. */
export function syncNotice(gateway: GatewayStatus): { tone: 'info' | 'error'; text: string } | null {
  if (gateway.sync.state === 'pending') {
    return {
      tone: 'info',
      text: "Your changes are saved. They will be applied when the router's tunnel service answers again.",
    };
  }
  if (gateway.sync.state === 'refused') {
    return {
      tone: 'error',
      text: `The router's tunnel service refused the settings${gateway.sync.detail ? `: ${gateway.sync.detail}` : ''}. It keeps running what it had before.`,
    };
  }
  return null;
}

/**
 * How long ago, by the router's clock, in the largest whole unit: "12 s ago", "3 min ago", "2 h ago", "4 d ago".
 * A moment a little in the future (clocks a second apart) reads "just now".
 */
export function formatAge(iso: string | null, now: number): string {
  if (iso === null) {
    return 'never';
  }
  const then = Date.parse(iso);
  if (Number.isNaN(then)) {
    return 'unknown';
  }
  const seconds = Math.floor((now - then) / 1000);
  if (seconds < 1) {
    return 'just now';
  }
  if (seconds < 60) {
    return `${seconds} s ago`;
  }
  if (seconds < 3600) {
    return `${Math.floor(seconds / 60)} min ago`;
  }
  if (seconds < 86_400) {
    return `${Math.floor(seconds / 3600)} h ago`;
  }
  return `${Math.floor(seconds / 86_400)} d ago`;
}

/** How long until, by the router's clock: "in 40 s", "in 3 min"; "now" once it is due. */
export function formatWait(iso: string, now: number): string {
  const then = Date.parse(iso);
  if (Number.isNaN(then)) {
    return 'unknown';
  }
  const seconds = Math.ceil((then - now) / 1000);
  if (seconds <= 0) {
    return 'now';
  }
  if (seconds < 60) {
    return `in ${seconds} s`;
  }
  if (seconds < 3600) {
    return `in ${Math.round(seconds / 60)} min`;
  }
  return `in ${Math.round(seconds / 3600)} h`;
}

/** A profile's health in words; null when the router has not said (it does not answer, or the profile is off). */
export function profileStateWords(health: ProfileHealth | undefined): { label: string; tone: Tone } | null {
  switch (health?.state) {
    case 'active':
      return { label: 'In use', tone: 'good' };
    case 'connecting':
      return { label: 'Connecting…', tone: 'busy' };
    case 'standby':
      return { label: 'Standby', tone: 'idle' };
    case 'failed':
      return { label: 'Failed', tone: 'bad' };
    default:
      return null;
  }
}

const EVENT_KINDS: Readonly<Record<FailoverEvent['kind'], string>> = {
  activated: 'Started using',
  failed_over: 'Switched to the next server',
  recovered: 'Back to a preferred server',
  all_failed: 'Every server failed',
};

export function failoverKindWords(kind: FailoverEvent['kind']): string {
  return EVENT_KINDS[kind];
}

/** "1st", "2nd", "3rd", "11th", "22nd": a place in the list. */
export function ordinal(place: number): string {
  const tens = place % 100;
  const suffix =
    tens >= 11 && tens <= 13 ? 'th' : (({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[place % 10] ?? 'th');
  return `${place}${suffix}`;
}
