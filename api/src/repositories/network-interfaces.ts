// Network interfaces as the kernel lists them in /sys/class/net: every interface, including ones
// without an address (a down WAN port, a tunnel before it is configured), which os.networkInterfaces() omits.
import { readdir, readFile } from 'node:fs/promises';
import { networkInterfaces, type NetworkInterfaceInfo as OsAddress } from 'node:os';
import { join } from 'node:path';
import { isErrno } from './errno.js';

export interface InterfaceAddress {
  family: 'ipv4' | 'ipv6';
  address: string;
  prefixLength: number;
}

export interface InterfaceCounters {
  rxBytes: number;
  txBytes: number;
  rxPackets: number;
  txPackets: number;
  rxErrors: number;
  txErrors: number;
}

export interface NetworkInterface {
  name: string;
  mac: string | null;
  up: boolean;
  addresses: InterfaceAddress[];
  counters: InterfaceCounters;
}

const IFF_UP = 0x1;
const IFF_POINTOPOINT = 0x10;

/** All interfaces, sorted by name. `addresses` defaults to what the OS reports right now. */
export async function readNetworkInterfaces(
  root = '/sys/class/net',
  addresses: NodeJS.Dict<OsAddress[]> = networkInterfaces(),
): Promise<NetworkInterface[]> {
  const entries = await readdir(root, { withFileTypes: true });
  // Interfaces are symlinks (directories in some test trees); plain files such as bonding_masters are not.
  const names = entries
    .filter((entry) => entry.isSymbolicLink() || entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  const interfaces = await Promise.all(
    names.map((name) => readInterface(join(root, name), name, addresses[name] ?? [])),
  );
  return interfaces.filter((found) => found !== null);
}

/**
 * The addresses a browser may reach the box by: every interface's, except point-to-point links. Those are tunnels
 * (the engine's TUN device), whose addresses only the VPN's far side sees, and which come and go with it.
 */
export async function readReachableAddresses(
  root = '/sys/class/net',
  addresses: NodeJS.Dict<OsAddress[]> = networkInterfaces(),
): Promise<string[]> {
  const reachable = await Promise.all(
    Object.entries(addresses).map(async ([name, entries = []]) => {
      const flags = Number.parseInt((await readAttribute(join(root, name, 'flags'))) ?? '0', 16);
      return (flags & IFF_POINTOPOINT) !== 0 ? [] : entries.map((entry) => entry.address);
    }),
  );
  return reachable.flat();
}

async function readInterface(dir: string, name: string, osAddresses: OsAddress[]): Promise<NetworkInterface | null> {
  const read = (file: string) => readAttribute(join(dir, file));
  const count = (file: string) => read(join('statistics', file)).then(toCount);
  const [address, operstate, flags, rxBytes, txBytes, rxPackets, txPackets, rxErrors, txErrors] = await Promise.all([
    read('address'),
    read('operstate'),
    read('flags'),
    count('rx_bytes'),
    count('tx_bytes'),
    count('rx_packets'),
    count('tx_packets'),
    count('rx_errors'),
    count('tx_errors'),
  ]);
  if (operstate === undefined) {
    // Every device has an operstate: the interface went away between listing and reading (a tunnel torn down).
    return null;
  }
  return {
    name,
    mac: macFrom(address),
    up: isUp(operstate, flags),
    addresses: osAddresses.map(toAddress),
    counters: { rxBytes, txBytes, rxPackets, txPackets, rxErrors, txErrors },
  };
}

/** A sysfs attribute's text, or undefined when the device (or this attribute of it) does not exist. */
async function readAttribute(path: string): Promise<string | undefined> {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch (error) {
    if (isErrno(error, 'ENOENT', 'ENODEV')) {
      return undefined;
    }
    throw error;
  }
}

/** The hardware address, or null for interfaces without one (loopback and tunnels read as empty or all zeros). */
export function macFrom(address: string | undefined): string | null {
  if (address === undefined || address === '' || /^[0:]+$/.test(address)) {
    return null;
  }
  return address.toLowerCase();
}

/**
 * Up means the link works: operstate "up", or "unknown" with the administrative IFF_UP flag, which is
 * how loopback and TUN devices (no carrier to report) show a working interface.
 */
export function isUp(operstate: string | undefined, flagsHex: string | undefined): boolean {
  if (operstate === 'up') {
    return true;
  }
  return operstate === 'unknown' && (Number.parseInt(flagsHex ?? '0', 16) & IFF_UP) !== 0;
}

function toAddress(entry: OsAddress): InterfaceAddress {
  const prefix = Number(entry.cidr?.split('/')[1]);
  return {
    family: entry.family === 'IPv4' ? 'ipv4' : 'ipv6',
    address: entry.address,
    prefixLength: Number.isInteger(prefix) ? prefix : entry.family === 'IPv4' ? 32 : 128,
  };
}

function toCount(text: string | undefined): number {
  const value = Number(text);
  return Number.isSafeInteger(value) && value >= 0 ? value : 0;
}
