// What a running lab says about itself, in var/lab.json (and a copy in its run directory), so that other tools
// can script against it: which namespaces, which addresses, which interfaces. It holds no secret: the router's
// private key stays in a 0600 file that the record only points to.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';

/**
 * 2: vpnServers lists both VPN servers and the router's client configuration for each. 3: the phone namespace
 * (namespaces.phone, phone).
 */
export const LAB_RECORD_VERSION = 3;
export const RECORD_NAME = 'lab.json';

const text = z.string().min(1);

/** One VPN server of the Internet, and the router's side of its tunnel (what a provider's .conf file gives). */
const vpnServerEntry = z.object({
  /** "a" or "b": household.stopVpnServer(name) and startVpnServer(name) take it. */
  name: z.enum(['a', 'b']),
  namespace: text,
  interface: text,
  address: text,
  addressIpv6: text,
  listenPort: z.number().int().min(1).max(65535),
  /** host:port by address, and by its own DNS name. */
  endpoint: text,
  endpointName: text,
  publicKey: text,
  tunnelAddress: text,
  tunnelAddressIpv6: text,
  /** The resolver inside this server's tunnel. */
  dns: text,
  /** The router's client configuration for this server. */
  client: z.object({
    addresses: z.object({ ipv4: text, ipv6: text }),
    publicKey: text,
    /** 0600 file with the router's private key for this server. */
    privateKeyFile: text,
    /** 0600 wg-quick file for this server, as a provider hands it out (var/lab/provider-<name>.conf). */
    configFile: text,
    /** How configFile names the endpoint: by address (a) or by DNS name (b). */
    configEndpoint: text,
  }),
});

export const labRecordSchema = z.object({
  version: z.literal(LAB_RECORD_VERSION),
  runId: text,
  /** The process holding the lab (stop() runs when it ends); null once `lab up` has handed it over to the system. */
  ownerPid: z.number().int().positive().nullable(),
  startedAt: text,
  namespaces: z.object({ internet: text, router: text, lan: z.array(text), phone: text }),
  internetHost: z.object({
    web: text,
    webIpv6: text,
    webName: text,
    /** GET / answers with the client's source address as plain text. */
    webUrl: text,
    dns: text,
    dnsIpv6: text,
    zone: text,
  }),
  /** Server A, as it was described when the lab had one VPN server (vpnServers[0] says the same). */
  vpnServer: z.object({
    namespace: text,
    /** host:port as the router's desired state names it. */
    endpoint: text,
    /** The same endpoint by DNS name (resolved through the Internet DNS, which the router's resolv.conf names). */
    endpointName: text,
    publicKey: text,
    /** The address tunnelled traffic reaches the Internet from. */
    address: text,
    addressIpv6: text,
    tunnelAddress: text,
    tunnelAddressIpv6: text,
    /** The resolver inside the tunnel. */
    dns: text,
    interface: text,
  }),
  vpnServers: z.array(vpnServerEntry).min(1),
  router: z.object({
    namespace: text,
    wanInterface: text,
    wanAddress: text,
    wanAddressIpv6: text,
    gateway: text,
    gatewayIpv6: text,
    /** The Internet DNS server in the router's own resolv.conf (for resolving endpoint names, never for the LAN). */
    wanDns: text,
    /** The bridge burrowd builds; the lab leaves it (and the ports) to burrowd. */
    lanInterface: text,
    lanPorts: z.array(text),
    lanAddress: text,
    lanIpv6Prefix: text,
    dhcpRange: z.object({ start: text, end: text }),
    tunnelInterface: text,
    tunnelAddresses: z.object({ ipv4: text, ipv6: text }),
    publicKey: text,
    /** 0600 file with the router's WireGuard private key (what labDesiredState puts into the tunnel). */
    privateKeyFile: text,
  }),
  lanDevices: z.array(z.object({ namespace: text, interface: text, mac: text, routerPort: text })),
  /** A device away from home, on the Internet side, for remote access: `lab phone <file.conf>` loads a .conf. */
  phone: z.object({
    namespace: text,
    interface: text,
    /** On its cable to the ISP ("the mobile network"). */
    address: text,
    gateway: text,
    /** Its wireguard-go's interface, while `lab phone` has one running. */
    wireguardInterface: text,
  }),
  files: z.object({
    runDir: text,
    logDir: text,
    /** Where this record is published (var/lab.json for `make run`); null when only the run directory has it. */
    record: text.nullable(),
  }),
});

export type LabRecord = z.infer<typeof labRecordSchema>;

/** Writes atomically (a reader never sees half a file), creating the directory if needed. */
export async function writeRecord(file: string, record: LabRecord): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const temporary = join(dirname(file), `.${RECORD_NAME}.${randomBytes(4).toString('hex')}.tmp`);
  await writeFile(temporary, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o644 });
  await rename(temporary, file);
}

/** Reads and checks a record; undefined when there is none, a clear error when the file is not one. */
export async function readRecord(file: string): Promise<LabRecord | undefined> {
  let content: string;
  try {
    content = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return undefined;
    }
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(content);
  } catch {
    throw new Error(`${file} is not JSON; remove it if no lab is running`);
  }
  const parsed = labRecordSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(record)'}: ${issue.message}`);
    throw new Error(`${file} is not a lab record (${problems.join('; ')}); remove it if no lab is running`);
  }
  return parsed.data;
}

/** Removes the published record, but only if it still describes run `runId` (a newer lab may have replaced it). */
export async function removeRecordOf(file: string, runId: string): Promise<void> {
  let current: LabRecord | undefined;
  try {
    current = await readRecord(file);
  } catch {
    // Not a record of ours; leave it for a person to look at.
    return;
  }
  if (current?.runId === runId) {
    await rm(file, { force: true });
  }
}
