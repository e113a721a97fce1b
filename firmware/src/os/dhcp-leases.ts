// dnsmasq's lease file, read for status. dnsmasq rewrites it in place (truncate, then write), so a reader can catch
// it half-written: every line is checked on its own and anything that is not a whole lease is skipped.
//
// The format (dnsmasq's lease.c), one lease a line:
//   IPv4:  <expiry> <hardware address> <IPv4 address> <hostname or *> <client-id or *>
//   duid <the server's DUID>                       (only when DHCPv6 runs; IPv6 leases follow it)
//   IPv6:  <expiry> [T]<IAID> <IPv6 address> <hostname or *> <client DUID or *>
// <expiry> is seconds since the epoch, 0 for a lease without end. An Ethernet hardware address is written
// "aa:bb:cc:dd:ee:ff"; any other hardware type gets its ARP type first, "20-aa:bb:…".
import { readFile } from 'node:fs/promises';
import { formatIp, parseIp } from '../net/ip.js';
import { isCanonicalMac } from '../net/mac.js';

export interface DhcpLease {
  /** The leased address, IPv4 or IPv6. */
  readonly ip: string;
  /** The client's hardware address (Ethernet: "aa:bb:cc:dd:ee:ff"); null for DHCPv6 leases, which have none. */
  readonly mac: string | null;
  /** The name the client sent; null when it sent none. */
  readonly hostname: string | null;
  /** The DHCPv4 client identifier or the DHCPv6 client DUID as hex bytes "01:aa:…"; null when there is none. */
  readonly clientId: string | null;
  /** When the lease ends; null for a lease without end. */
  readonly expires: Date | null;
}

const OTHER_HARDWARE_ADDRESS = /^[0-9a-f]{2}-(?:[0-9a-f]{2}(?::[0-9a-f]{2})*)?$/;
const IAID = /^T?\d{1,10}$/;
const HEX_BYTES = /^[0-9a-f]{2}(?::[0-9a-f]{2})*$/;
const EXPIRY = /^\d{1,12}$/;
/** dnsmasq keeps only legal host names, but a half-written line could hold anything: printable ASCII only. */
const HOSTNAME = /^[\x21-\x7e]{1,255}$/;

/** Every whole lease in the text of a lease file, in file order; junk and half-written lines are skipped. */
export function parseDhcpLeases(text: string): DhcpLease[] {
  const leases: DhcpLease[] = [];
  for (const line of text.split('\n')) {
    const lease = parseLeaseLine(line.trim());
    if (lease !== null) {
      leases.push(lease);
    }
  }
  return leases;
}

/** The leases in `file`; none when the file does not exist yet (dnsmasq creates it at its first start). */
export async function readDhcpLeases(file: string): Promise<DhcpLease[]> {
  try {
    return parseDhcpLeases(await readFile(file, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return [];
    }
    throw error;
  }
}

/** The leases still valid at `now`: dnsmasq drops expired ones from the file only when it next writes it. */
export function activeLeases(leases: readonly DhcpLease[], now: Date): DhcpLease[] {
  return leases.filter((lease) => lease.expires === null || lease.expires.getTime() > now.getTime());
}

function parseLeaseLine(line: string): DhcpLease | null {
  const fields = line.split(/\s+/);
  if (fields.length !== 5) {
    return null;
  }
  const [expiry, owner, address, hostname, clientId] = fields as [string, string, string, string, string];
  const ip = parseIp(address);
  if (!EXPIRY.test(expiry) || ip === null) {
    return null;
  }
  let mac: string | null;
  if (ip.length === 4 && (isCanonicalMac(owner) || OTHER_HARDWARE_ADDRESS.test(owner))) {
    mac = owner;
  } else if (ip.length === 16 && IAID.test(owner)) {
    mac = null;
  } else {
    return null;
  }
  const seconds = Number(expiry);
  return {
    ip: formatIp(ip),
    mac,
    hostname: hostname !== '*' && HOSTNAME.test(hostname) ? hostname : null,
    clientId: HEX_BYTES.test(clientId) ? clientId : null,
    expires: seconds === 0 ? null : new Date(seconds * 1000),
  };
}
