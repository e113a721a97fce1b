// Reading the router's own figures from burrowd's reports: its interfaces (from `status`) and its self-test (from
// `selfTest`). Small functions over the raw report, so whatever polls burrowd can feed them; each field is checked,
// and an entry that does not read is left out rather than breaking the page.
import { count, isRecord, list, time } from './report-fields.js';

export type InterfaceRole = 'wan' | 'lan-bridge' | 'lan-port' | 'tunnel' | 'other';

export interface RouterInterfaceAddress {
  family: 'ipv4' | 'ipv6';
  address: string;
  prefixLength: number;
}

export interface RouterInterfaceReport {
  name: string;
  role: InterfaceRole;
  mac: string | null;
  mtu: number;
  up: boolean;
  addresses: RouterInterfaceAddress[];
  counters: {
    rxBytes: number;
    txBytes: number;
    rxPackets: number;
    txPackets: number;
    rxErrors: number;
    txErrors: number;
  };
}

export interface SelfTestCheckReport {
  name: string;
  pass: boolean;
  details: string;
}

const ROLES = new Set<string>(['wan', 'lan-bridge', 'lan-port', 'tunnel', 'other']);

/** The interfaces of a `status` report; null when it has none (an older burrowd, or ip(8) failed there). */
export function readRouterInterfaces(raw: unknown): RouterInterfaceReport[] | null {
  if (!isRecord(raw) || !Array.isArray(raw['interfaces'])) {
    return null;
  }
  return raw['interfaces'].flatMap((entry): RouterInterfaceReport[] => {
    if (!isRecord(entry) || typeof entry['name'] !== 'string' || entry['name'] === '') {
      return [];
    }
    const role = String(entry['role']);
    return [
      {
        name: entry['name'],
        role: ROLES.has(role) ? (role as InterfaceRole) : 'other',
        mac: typeof entry['mac'] === 'string' ? entry['mac'] : null,
        mtu: count(entry['mtu']),
        up: entry['up'] === true,
        addresses: list(entry['addresses']).flatMap(readAddress),
        counters: {
          rxBytes: count(entry['rxBytes']),
          txBytes: count(entry['txBytes']),
          rxPackets: count(entry['rxPackets']),
          txPackets: count(entry['txPackets']),
          rxErrors: count(entry['rxErrors']),
          txErrors: count(entry['txErrors']),
        },
      },
    ];
  });
}

/** The checks of a `selfTest` answer; null when it is not one. */
export function readSelfTestReport(raw: unknown): SelfTestCheckReport[] | null {
  if (!isRecord(raw) || !Array.isArray(raw['checks'])) {
    return null;
  }
  return raw['checks'].flatMap((check): SelfTestCheckReport[] =>
    isRecord(check) && typeof check['name'] === 'string' && typeof check['pass'] === 'boolean'
      ? [
          {
            name: check['name'],
            pass: check['pass'],
            details: typeof check['details'] === 'string' ? check['details'] : '',
          },
        ]
      : [],
  );
}

export type SelfTestTrigger = 'change' | 'failover' | 'request';

export interface LastSelfTestReport {
  /** When burrowd ran it, epoch ms. */
  at: number;
  /** What made it run: an applied change, a failover, or someone asking. */
  trigger: SelfTestTrigger;
  checks: SelfTestCheckReport[];
}

const TRIGGERS = new Set<string>(['change', 'failover', 'request']);

/** Whether the `status` report is from a burrowd that keeps its last self-test (older ones do not). */
export function reportsLastSelfTest(raw: unknown): boolean {
  return isRecord(raw) && 'selftest' in raw;
}

/** One self-test run as burrowd reports it (its `selfTest` answer, or `status.selftest`); null when it is not one. */
export function readSelfTestRun(raw: unknown): LastSelfTestReport | null {
  const checks = readSelfTestReport(raw);
  const at = isRecord(raw) ? time(raw['at']) : null;
  if (!isRecord(raw) || checks === null || at === null) {
    return null;
  }
  const trigger = String(raw['trigger']);
  return { at, trigger: TRIGGERS.has(trigger) ? (trigger as SelfTestTrigger) : 'request', checks };
}

/** The last self-test burrowd ran (by itself or when asked), from a `status` report; null when there is none. */
export function readLastSelfTest(raw: unknown): LastSelfTestReport | null {
  return isRecord(raw) ? readSelfTestRun(raw['selftest']) : null;
}

function readAddress(value: unknown): RouterInterfaceAddress[] {
  if (!isRecord(value) || typeof value['address'] !== 'string') {
    return [];
  }
  const family = value['family'];
  const prefixLength = value['prefixLength'];
  if ((family !== 'ipv4' && family !== 'ipv6') || typeof prefixLength !== 'number') {
    return [];
  }
  return [{ family, address: value['address'], prefixLength }];
}
