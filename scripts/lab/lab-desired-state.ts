// The desired state that makes burrowd, in the lab's router namespace, send the whole LAN through the lab's VPN
// server: the record's interfaces and addresses, and the router's key pair made for this run (the VPN server
// already knows its public half).
import { readFile } from 'node:fs/promises';
import { type DesiredStateInput, parseDesiredState } from '@burrow/firmware/control/desired-state';
import { boardSchema } from '@burrow/firmware/control/desired-state-v2';
import { LAN, ROUTER_TUNNEL } from './address-plan.js';
import { type LabRecord, readRecord } from './lab-record.js';
import { type LabNames } from './names.js';

/** What a desired state needs from a lab: a running Household, or a record and key file read by loadLab(). */
export interface LabIdentity {
  readonly record: LabRecord;
  readonly routerPrivateKey: string;
}

export interface LabStateOptions {
  /** Default true: LAN traffic leaves only through the tunnel. */
  readonly killSwitch?: boolean;
  /** Default false. True: the tunnel carries IPv6 too (addresses, DNS and ::/0 through the VPN server). */
  readonly ipv6?: boolean;
  /** Default false. True: the endpoint is the VPN server's DNS name, which the router resolves over the WAN. */
  readonly endpointByName?: boolean;
  /** Default: the run's own name (unique per run, as the UAPI socket directory is shared by all namespaces). */
  readonly tunnelInterface?: string;
  /** Seconds between keepalives; default 25, as VPN providers' configs have it. 0 turns them off. */
  readonly persistentKeepalive?: number;
}

/**
 * The router's board file for burrowd (--network): its WAN and LAN, which the API's desired states (version 2) do
 * not carry, and the run's own names for the upstream interfaces (WireGuard's socket directory is shared by every
 * lab on the machine). The same WAN and LAN as labDesiredState's.
 */
export function labBoard(lab: { readonly record: LabRecord; readonly names: LabNames }) {
  const { wan, lan } = labDesiredState({ record: lab.record, routerPrivateKey: PLACEHOLDER_KEY });
  const board = {
    wan,
    lan,
    upstream: { interface: lab.names.routerTunnelInterface, probeInterface: lab.names.routerProbeInterface },
  };
  const parsed = boardSchema.safeParse(board, { reportInput: false });
  if (!parsed.success) {
    throw new Error(`The lab's board file does not validate: ${parsed.error.message}`);
  }
  return board;
}

/** Only so labDesiredState validates while building the board file, which holds no key. */
const PLACEHOLDER_KEY = Buffer.alloc(32, 1).toString('base64');

export function labDesiredState(lab: LabIdentity, options: LabStateOptions = {}): DesiredStateInput {
  const { record } = lab;
  const ipv6 = options.ipv6 ?? false;
  const state: DesiredStateInput = {
    version: 1,
    killSwitch: options.killSwitch ?? true,
    wan: { interface: record.router.wanInterface },
    lan: {
      interface: record.router.lanInterface,
      ports: [...record.router.lanPorts],
      address: record.router.lanAddress,
      ipv6Prefix: record.router.lanIpv6Prefix,
      dhcp: {
        rangeStart: record.router.dhcpRange.start,
        rangeEnd: record.router.dhcpRange.end,
        leaseSeconds: LAN.leaseSeconds,
      },
    },
    tunnel: {
      interface: options.tunnelInterface ?? record.router.tunnelInterface,
      privateKey: lab.routerPrivateKey,
      addresses: ipv6 ? [ROUTER_TUNNEL.ipv4, ROUTER_TUNNEL.ipv6] : [ROUTER_TUNNEL.ipv4],
      dns: ipv6 ? [record.vpnServer.dns, record.vpnServer.tunnelAddressIpv6] : [record.vpnServer.dns],
      mtu: ROUTER_TUNNEL.mtu,
      peers: [
        {
          publicKey: record.vpnServer.publicKey,
          endpoint: options.endpointByName ? record.vpnServer.endpointName : record.vpnServer.endpoint,
          allowedIps: ipv6 ? ['0.0.0.0/0', '::/0'] : ['0.0.0.0/0'],
          persistentKeepalive: options.persistentKeepalive ?? 25,
        },
      ],
    },
  };
  // Fail here, naming the field, rather than later inside burrowd.
  const parsed = parseDesiredState(state);
  if (!parsed.ok) {
    throw new Error(`The lab's desired state does not validate: ${parsed.errors.join('; ')}`);
  }
  return state;
}

/** A lab some other process started (the lab CLI's `up`), read back from its record and the router's key file. */
export async function loadLab(recordFile: string): Promise<LabIdentity> {
  const record = await readRecord(recordFile);
  if (record === undefined) {
    throw new Error(`No household lab is running (${recordFile} does not exist)`);
  }
  const routerPrivateKey = (await readFile(record.router.privateKeyFile, 'utf8')).trim();
  return { record, routerPrivateKey };
}
