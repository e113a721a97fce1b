import type { Certificates } from '$lib/api/types';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Pairs per line of a fingerprint: 8 pairs fit a phone and make four lines that are easy to compare. */
const FINGERPRINT_PAIRS_PER_LINE = 8;

export function modeLabel(mode: Certificates['mode']): string {
  return mode === 'built-in' ? "The router's built-in certificate" : 'Your imported certificate';
}

/**
 * How long a certificate has left, in words: "301 days left", "less than a day left", "expired 3 days ago".
 * Whole days, rounded down, so it never promises more time than there is.
 */
export function timeLeft(notAfterIso: string, now: number = Date.now()): string {
  const end = Date.parse(notAfterIso);
  if (Number.isNaN(end)) {
    return 'unknown';
  }
  const remaining = end - now;
  if (remaining <= 0) {
    const days = Math.floor(-remaining / DAY_MS);
    return days === 0 ? 'expired today' : `expired ${plural(days, 'day')} ago`;
  }
  const days = Math.floor(remaining / DAY_MS);
  return days === 0 ? 'less than a day left' : `${plural(days, 'day')} left`;
}

/** A certificate that lapses within this many days is shown as a warning. */
const SOON_DAYS = 14;

export function expiresSoon(notAfterIso: string, now: number = Date.now()): boolean {
  const end = Date.parse(notAfterIso);
  return !Number.isNaN(end) && end - now < SOON_DAYS * DAY_MS;
}

/**
 * A fingerprint cut into lines of a few pairs each. Every line but the last keeps its trailing colon,
 * so the lines joined give back the fingerprint exactly (what a copy or a test reads).
 */
export function fingerprintLines(fingerprint: string): string[] {
  const pairs = fingerprint.split(':');
  const lines: string[] = [];
  for (let start = 0; start < pairs.length; start += FINGERPRINT_PAIRS_PER_LINE) {
    const end = start + FINGERPRINT_PAIRS_PER_LINE;
    lines.push(pairs.slice(start, end).join(':') + (end < pairs.length ? ':' : ''));
  }
  return lines;
}

/**
 * Whether a certificate naming `names` is valid for `hostname` (as in `location.hostname`): an exact
 * match, or a `*.` wildcard standing for exactly one left-most label (RFC 6125). Names compare without case.
 */
export function namesCover(names: readonly string[], hostname: string): boolean {
  const host = hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return names.some((raw) => {
    const name = raw.toLowerCase();
    if (name.startsWith('*.')) {
      const dot = host.indexOf('.');
      return dot > 0 && host.slice(dot + 1) === name.slice(2);
    }
    return name === host;
  });
}

/** The names as a short list in words: "a", "a and b", "a, b and c". */
export function listInWords(items: readonly string[]): string {
  if (items.length <= 1) {
    return items[0] ?? '';
  }
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

function plural(count: number, unit: string): string {
  return `${count} ${unit}${count === 1 ? '' : 's'}`;
}
