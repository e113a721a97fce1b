// Every host-visible name a lab uses (namespaces, /etc/netns entries, its run directory, WireGuard UAPI sockets)
// derives from one run id, so a later run can find a crashed run's leftovers and remove exactly those.
//
//   unique run id  p<pid>-<6 hex>   namespaces burrow-lab-<role>-p<pid>-<hex>   (tests; many may run at once;
//                                    the pid of the process that owns the lab tells a leftover from a live one)
//   fixed run id   fixed            namespaces burrow-<role>                    (`make run` and the lab CLI: one
//                                    at a time, with names a person can type)
import { randomBytes } from 'node:crypto';
import { type VpnServerName } from './address-plan.js';

export type Naming = 'unique' | 'fixed';

export const ROLES = ['internet', 'router', 'lan1', 'lan2', 'phone'] as const;
export type Role = (typeof ROLES)[number];

export const FIXED_RUN_ID = 'fixed';

const UNIQUE_RUN_ID = /^p(\d+)-([0-9a-f]{6})$/;
const UNIQUE_NAMESPACE = /^burrow-lab-(internet|router|lan1|lan2|phone)-(p\d+-[0-9a-f]{6})$/;
const FIXED_NAMESPACE = /^burrow-(internet|router|lan1|lan2|phone)$/;
/** mkdtemp appends six characters to the prefix. */
const RUN_DIR = /^burrow-lab-(p\d+-[0-9a-f]{6}|fixed)-[A-Za-z0-9]{6}$/;

export interface LabNames {
  readonly runId: string;
  readonly namespaces: Readonly<Record<Role, string>>;
  /**
   * The VPN server's WireGuard interface and the router's tunnel interface. UAPI sockets live in one host-wide
   * directory (/var/run/wireguard), so these names are unique per run even though each sits in its own namespace.
   */
  readonly vpnInterface: string;
  readonly routerTunnelInterface: string;
  /** burrowd's throwaway engine that checks failed VPN profiles in the background (the board file names it). */
  readonly routerProbeInterface: string;
  /** The phone's WireGuard interface (its wireguard-go, started by `lab phone`). */
  readonly phoneInterface: string;
  /** Both VPN servers' interfaces: server A's is vpnInterface. */
  readonly vpnInterfaces: Readonly<Record<VpnServerName, string>>;
  /** mkdtemp prefix (basename) of the run directory. */
  readonly runDirPrefix: string;
}

export function newRunId(naming: Naming): string {
  return naming === 'fixed' ? FIXED_RUN_ID : `p${process.pid}-${randomBytes(3).toString('hex')}`;
}

export function namesFor(runId: string): LabNames {
  if (runId === FIXED_RUN_ID) {
    return {
      runId,
      namespaces: {
        internet: 'burrow-internet',
        router: 'burrow-router',
        lan1: 'burrow-lan1',
        lan2: 'burrow-lan2',
        phone: 'burrow-phone',
      },
      vpnInterface: 'burrow-vpn',
      routerTunnelInterface: 'burrow-tun',
      routerProbeInterface: 'burrow-probe',
      phoneInterface: 'burrow-phone',
      vpnInterfaces: { a: 'burrow-vpn', b: 'burrow-vpn-b' },
      runDirPrefix: `burrow-lab-${runId}-`,
    };
  }
  const match = UNIQUE_RUN_ID.exec(runId);
  if (!match) {
    throw new Error(`Not a lab run id: ${JSON.stringify(runId)}`);
  }
  const hex = match[2]!;
  const namespace = (role: Role) => `burrow-lab-${role}-${runId}`;
  return {
    runId,
    namespaces: {
      internet: namespace('internet'),
      router: namespace('router'),
      lan1: namespace('lan1'),
      lan2: namespace('lan2'),
      phone: namespace('phone'),
    },
    vpnInterface: `blv${hex}`,
    routerTunnelInterface: `blt${hex}`,
    routerProbeInterface: `blp${hex}`,
    phoneInterface: `bph${hex}`,
    vpnInterfaces: { a: `blv${hex}`, b: `blv${hex}b` },
    runDirPrefix: `burrow-lab-${runId}-`,
  };
}

/** The run id a namespace name belongs to, or undefined when it is not one of the lab's. */
export function runIdOfNamespace(name: string): string | undefined {
  if (FIXED_NAMESPACE.test(name)) {
    return FIXED_RUN_ID;
  }
  return UNIQUE_NAMESPACE.exec(name)?.[2];
}

/** The run id a run directory (its basename) belongs to, or undefined when it is not a lab's. */
export function runIdOfRunDir(basename: string): string | undefined {
  return RUN_DIR.exec(basename)?.[1];
}

/** The pid of the process that created a unique run; undefined for the fixed run (its record says who owns it). */
export function creatorPidOf(runId: string): number | undefined {
  const match = UNIQUE_RUN_ID.exec(runId);
  return match ? Number(match[1]) : undefined;
}
