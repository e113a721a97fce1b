// Reading the router's own figures from burrowd's reports: its interfaces (from `status`) and its self-test (from
// `selfTest`). Small functions over the raw report, so whatever polls burrowd can feed them; each field is checked,
// and an entry that does not read is left out rather than breaking the page.

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

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : 0;
}
