// What burrowd reports to the API's Status page: the state in force (keys redacted), the kill switch, the
// engine and its peers, the LAN's DHCP leases and devices, and the router's interfaces (read in burrowd's
// namespace). Never a private or preshared key.
import { type DesiredState, describeState } from '../control/desired-state.js';
import { uapiGet } from '../control/uapi-client.js';
import { type DhcpLease } from '../os/dhcp-leases.js';
import { NO_COUNTS, readDeviceCounts } from '../os/device-counters.js';
import { type Dnsmasq } from '../os/dnsmasq.js';
import { readNeighbours } from '../os/lan-neighbours.js';
import { type Executor } from '../os/exec.js';
import { type InterfaceRoles, readRouterInterfaces, type RouterInterface } from '../os/router-interfaces.js';
import { type EngineManager } from './engine-manager.js';
import { joinLanDevices, type LanDeviceStatus } from './lan-devices.js';
import { type SystemSteps } from './system-steps.js';

export interface PeerStatus {
  publicKey: string;
  endpoint: string | null;
  lastHandshake: string | null;
  rxBytes: number;
  txBytes: number;
}

export interface StatusInput {
  readonly state: DesiredState | null;
  readonly steps: SystemSteps;
  readonly engine: EngineManager;
  readonly dnsmasq: Dnsmasq;
  readonly executor: Executor;
  /** The board's names, for roles while no state is in force. */
  readonly roles?: InterfaceRoles;
  /** The remote-access engine (the router as the household's WireGuard server), when burrowd runs one. */
  readonly remoteEngine?: EngineManager;
}

export interface RemoteAccessStatus {
  interface: string;
  listenPort: number;
  /** The devices the engine holds now (an expired or disabled one is not among them); public keys only. */
  peers: PeerStatus[];
}

/** Remote access as in force, with its devices as its engine sees them; null when it is off. */
export async function readRemoteAccess(input: StatusInput): Promise<RemoteAccessStatus | null> {
  const remote = input.state?.remoteAccess ?? null;
  if (remote === null) {
    return null;
  }
  const peers = input.remoteEngine === undefined ? null : await readPeers(input.remoteEngine.socketPath);
  return { interface: remote.interface, listenPort: remote.listenPort, peers: peers ?? [] };
}

/** The peers as the engine sees them, from `get=1`, keeping only what may be shown. */
export async function readPeers(socketPath: string | null): Promise<PeerStatus[] | null> {
  if (socketPath === null) {
    return null;
  }
  try {
    const result: PeerStatus[] = [];
    for (const [key, value] of await uapiGet(socketPath)) {
      const peer = result.at(-1);
      if (key === 'public_key') {
        result.push({
          publicKey: Buffer.from(value, 'hex').toString('base64'),
          endpoint: null,
          lastHandshake: null,
          rxBytes: 0,
          txBytes: 0,
        });
      } else if (peer && key === 'endpoint') {
        peer.endpoint = value;
      } else if (peer && key === 'last_handshake_time_sec' && value !== '0') {
        peer.lastHandshake = new Date(Number(value) * 1000).toISOString();
      } else if (peer && key === 'rx_bytes') {
        peer.rxBytes = Number(value);
      } else if (peer && key === 'tx_bytes') {
        peer.txBytes = Number(value);
      }
    }
    return result;
  } catch {
    return null;
  }
}

/** The interfaces with their roles; null when ip(8) could not list them (the rest of the report still goes out). */
export async function readInterfaces(input: StatusInput): Promise<RouterInterface[] | null> {
  const { state, roles } = input;
  return readRouterInterfaces(input.executor, {
    wan: state?.wan.interface ?? roles?.wan ?? null,
    lan: state?.lan.interface ?? roles?.lan ?? null,
    tunnel: state?.tunnel?.interface ?? input.engine.status.interface ?? roles?.tunnel ?? null,
  }).catch(() => null);
}

/** Who held each LAN address last, so bytes counted to an address a device gave up still count for it. */
const addressOwners = new Map<string, string>();

/**
 * Every device in the leases or the LAN bridge's neighbour table, with the kernel's byte counts (plus those of the
 * tables this burrowd replaced). A source that cannot be read leaves its part out; the report still goes out.
 */
export async function readLanDevices(input: StatusInput, leases: readonly DhcpLease[]): Promise<LanDeviceStatus[]> {
  const lan = input.state?.lan.interface ?? input.roles?.lan ?? null;
  const [neighbours, counts] = await Promise.all([
    lan === null ? [] : readNeighbours(input.executor, lan).catch(() => []),
    readDeviceCounts(input.executor).catch(() => NO_COUNTS),
  ]);
  return joinLanDevices(leases, neighbours, input.steps.deviceBytes.total(counts), addressOwners);
}

export async function collectStatus(input: StatusInput): Promise<unknown> {
  const { state, steps, engine, dnsmasq } = input;
  const leases = await dnsmasq.leases().catch(() => []);
  return {
    state: state ? (JSON.parse(describeState(state)) as unknown) : null,
    killSwitch: state?.killSwitch ?? true,
    firewall: { loaded: steps.loadedRuleset?.fingerprint ?? null },
    engine: engine.status,
    peers: await readPeers(engine.socketPath),
    dnsmasq: dnsmasq.status,
    leases,
    lanDevices: await readLanDevices(input, leases),
    interfaces: await readInterfaces(input),
    remoteAccess: await readRemoteAccess(input),
  };
}
