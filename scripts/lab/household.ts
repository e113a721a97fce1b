// The household lab: a home network built out of network namespaces, for `make run` and the netns tests.
//
//   internet ── the router's ISP (default gateway), the Internet host (web server that echoes the client's
//      │        address, DNS for internet.test) and two VPN servers (wireguard-go, NAT, a resolver in each tunnel)
//      │ WAN link (isp0 ↔ wan0)
//   router ──── WAN configured by the lab; LAN ports lan1p/lan2p, the tunnel and the firewall left to burrowd
//      │ lan1p ↔ eth0, lan2p ↔ eth0
//   lan1, lan2 ─ LAN devices: a DHCP client running from the start, so they hold a lease once the router serves one
//   phone ────── on the Internet side (isp-phone ↔ eth0): a device away from home, for remote access (phone.ts)
//
// Addresses: address-plan.ts and README.md. The lab describes itself in a record (lab.json) while it runs.
// stop() removes everything it made, whatever state start() got to; a crashed run is removed by the next start().
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run, type ExecOptions, type ExecResult } from '@burrow/firmware/os/exec';
import {
  deviceMac,
  INTERFACES,
  INTERNET_HOST,
  LAN,
  LAN_DEVICE_COUNT,
  PHONE_LINK,
  ROUTER_TUNNEL,
  routerLanPort,
  VPN_SERVER,
  VPN_SERVER_NAMES,
  VPN_SERVERS,
  type VpnServerName,
  WAN_LINK,
} from './address-plan.js';
import { shellHint } from './describe-lab.js';
import { type DhcpLease, prepareLeaseClient, waitForLease } from './dhcp-client.js';
import { addInternetAddresses, connectWan, startInternetDns, startWebServer, type LabContext } from './internet.js';
import { LabProcess } from './lab-process.js';
import { LAB_RECORD_VERSION, type LabRecord, RECORD_NAME, removeRecordOf, writeRecord } from './lab-record.js';
import { addNamespace, addVeth, writeNamespaceResolvConf } from './namespaces.js';
import { type LabNames, namesFor, type Naming, newRunId, type Role, ROLES } from './names.js';
import { fixedRunOwner, sweepLeftoverRuns, teardownRun } from './sweep.js';
import { labUnavailableReason, TOOLS } from './tools.js';
import { writeProviderConfig } from './provider-config.js';
import { VpnServer } from './vpn-server.js';
import { connectPhone } from './phone.js';
import { generateKeyPair, type KeyPair, writePrivateKeyFile } from './wg-keys.js';

const PROBE_PATH = fileURLToPath(new URL('./probe.js', import.meta.url));
const DEFAULT_PROBE_TIMEOUT_MS = 5_000;

export interface ProbeOptions {
  /** How long to wait for an answer; default 5 s. */
  readonly timeoutMs?: number;
}

export interface ResolveOptions extends ProbeOptions {
  /** Ask this server instead of the namespace's resolv.conf. */
  readonly server?: string;
  readonly type?: 'A' | 'AAAA';
}

export interface HouseholdOptions {
  /** 'unique' (default): names no other run uses, for tests. 'fixed': burrow-internet, …, for `make run`. */
  readonly naming?: Naming;
  /** Also publish the record here (var/lab.json for `make run`); it is always in the run directory. */
  readonly recordFile?: string;
  /**
   * Where the router's client configurations for the VPN servers go (provider-a.conf, provider-b.conf; var/lab
   * for `make run`); default: the run directory. Removed with the lab.
   */
  readonly providerDir?: string;
}

/** Every tunnel's keepalive in the provider files, as providers write it. */
const PERSISTENT_KEEPALIVE = 25;

export class Household {
  private readonly processes: LabProcess[] = [];
  private readonly leaseClients: LabProcess[] = [];
  private readonly vpnServers = new Map<VpnServerName, VpnServer>();
  private currentRecord: LabRecord | undefined;
  private stopping: Promise<void> | undefined;

  private constructor(
    readonly names: LabNames,
    /** 0700, removed on stop: keys, logs, dhclient's files, the record's copy. */
    readonly runDir: string,
    private readonly recordFile: string | undefined,
    private readonly providerDir: string,
    /** The router's key pair for each VPN server (a: routerPrivateKey, the one labDesiredState uses). */
    private readonly clientKeys: Readonly<Record<VpnServerName, KeyPair>>,
  ) {}

  /** Removes a crashed run's leftovers, then builds a fresh household. On failure nothing is left behind. */
  static async start(options: HouseholdOptions = {}): Promise<Household> {
    const problem = await labUnavailableReason();
    if (problem !== undefined) {
      throw new Error(`Cannot build the household lab: ${problem}`);
    }
    const naming = options.naming ?? 'unique';
    await sweepLeftoverRuns({ includeFixed: naming === 'fixed' });
    const owner = naming === 'fixed' ? await fixedRunOwner() : undefined;
    if (owner !== undefined) {
      throw new Error(`The household lab is already running, held by process ${owner}: stop that one first`);
    }
    const clientKeys = { a: await generateKeyPair(), b: await generateKeyPair() };
    const names = namesFor(newRunId(naming));
    const runDir = await mkdtemp(join(tmpdir(), names.runDirPrefix));
    const household = new Household(names, runDir, options.recordFile, options.providerDir ?? runDir, clientKeys);
    try {
      await household.build();
    } catch (error) {
      try {
        await household.stop();
      } catch (cleanupError) {
        throw new AggregateError([error, cleanupError], 'Building the household lab failed, and so did removing it', {
          cause: cleanupError,
        });
      }
      throw error;
    }
    return household;
  }

  /** What the lab looks like, as in lab.json. */
  get record(): LabRecord {
    if (this.currentRecord === undefined) {
      throw new Error('The household lab is not built yet');
    }
    return this.currentRecord;
  }

  /** The router's WireGuard private key, for the desired state (labDesiredState). Never log it. */
  get routerPrivateKey(): string {
    return this.clientKeys.a.privateKey;
  }

  get logDir(): string {
    return join(this.runDir, 'logs');
  }

  /** Runs argv to completion inside one of the lab's namespaces. */
  exec(ns: string, argv: readonly string[], options?: ExecOptions): Promise<ExecResult> {
    this.assertOwnNamespace(ns);
    return run([TOOLS.ip, 'netns', 'exec', ns, ...argv], options);
  }

  /**
   * Starts a long-running program inside one of the lab's namespaces (burrowd in the router, say). Its output goes
   * to `<logDir>/<name>.log`; stop() ends it before removing the namespaces.
   */
  startProcess(ns: string, name: string, argv: readonly string[], env?: NodeJS.ProcessEnv): LabProcess {
    this.assertOwnNamespace(ns);
    if (this.stopping) {
      throw new Error('The household lab is stopping');
    }
    const started = LabProcess.start(ns, name, argv, { logDir: this.logDir, ...(env ? { env } : {}) });
    this.processes.push(started);
    return started;
  }

  /**
   * The lease LAN device `ns` holds: its DHCP client runs from the start and applies leases itself; this waits
   * until it holds one (up to `timeoutMs`, default 30 s) and returns it.
   */
  async dhcp(ns: string, timeoutMs?: number): Promise<DhcpLease> {
    const role = this.roleOf(ns);
    if (role !== 'lan1' && role !== 'lan2') {
      throw new Error(`${ns} is not a LAN device of this lab`);
    }
    return waitForLease({ ns, hostname: role, dir: this.runDir }, timeoutMs);
  }

  /**
   * Takes VPN server `name` off the net: it answers nothing (not even "port unreachable") and loses its sessions,
   * as when a provider's server goes down. startVpnServer() brings it back.
   */
  async stopVpnServer(name: VpnServerName): Promise<void> {
    await this.vpnServer(name).stop();
  }

  /** Brings a stopped VPN server back, with the same keys, peer and addresses. */
  async startVpnServer(name: VpnServerName): Promise<void> {
    await this.vpnServer(name).start();
  }

  private vpnServer(name: VpnServerName): VpnServer {
    const server = this.vpnServers.get(name);
    if (server === undefined) {
      throw new Error(`The household lab has no VPN server ${JSON.stringify(name)}`);
    }
    return server;
  }

  /** GET `url` from inside `ns` and return the body (the web server's body is the client's address and a newline). */
  async httpGet(ns: string, url: string, options: ProbeOptions = {}): Promise<string> {
    return (await this.probe(ns, ['http-get', url], options)).stdout;
  }

  /** The source address the Internet host sees for a request from `ns` (over IPv6 when asked). */
  async whoami(ns: string, family: 4 | 6 = 4, options: ProbeOptions = {}): Promise<string> {
    const host = family === 4 ? INTERNET_HOST.web.ipv4 : `[${INTERNET_HOST.web.ipv6}]`;
    return (await this.httpGet(ns, `http://${host}:${INTERNET_HOST.webPort}/`, options)).trim();
  }

  /** Resolves `name` from inside `ns`, by the namespace's resolv.conf or by `server`. */
  async resolve(ns: string, name: string, options: ResolveOptions = {}): Promise<string[]> {
    const args = ['resolve', name, '--type', options.type ?? 'A'];
    if (options.server !== undefined) {
      args.push('--server', options.server);
    }
    const { stdout } = await this.probe(ns, args, options);
    return stdout.split('\n').filter((line) => line !== '');
  }

  /** How a person opens a shell inside `ns`. */
  shellHint(ns: string): string {
    this.assertOwnNamespace(ns);
    return shellHint(ns);
  }

  /**
   * Lets this process exit while the lab goes on running (the lab CLI's `up`): the record no longer names an
   * owner, and `lab down` (or the next fixed lab) removes it. Only a fixed lab can be handed over: a unique one
   * is swept as soon as the process that made it is gone.
   */
  async detach(): Promise<void> {
    if (this.names.runId !== namesFor('fixed').runId) {
      throw new Error('Only a lab with fixed names can outlive its process');
    }
    this.processes.forEach((started) => started.detach());
    await this.publish({ ...this.record, ownerPid: null });
  }

  /** Ends the lab's programs, then removes namespaces, /etc/netns entries, sockets, files and the record. */
  stop(): Promise<void> {
    this.stopping ??= this.removeEverything();
    return this.stopping;
  }

  private async removeEverything(): Promise<void> {
    const errors: unknown[] = [];
    // SIGKILL at once: dhclient takes about two seconds to honour SIGTERM, and has nothing to tidy up (a
    // DHCPRELEASE is not wanted).
    for (const client of this.leaseClients) {
      await client.stop('SIGKILL').catch((error: unknown) => errors.push(error));
    }
    // Newest first: burrowd before the VPN server it talks to, the resolver before the DNS it asks.
    for (const started of [...this.processes].reverse()) {
      await started.stop().catch((error: unknown) => errors.push(error));
    }
    await teardownRun(this.names.runId).catch((error: unknown) => errors.push(error));
    if (this.recordFile !== undefined) {
      await removeRecordOf(this.recordFile, this.names.runId).catch((error: unknown) => errors.push(error));
    }
    if (errors.length > 0) {
      throw new AggregateError(errors, `Removing household lab ${this.names.runId} failed ${errors.length} time(s)`);
    }
  }

  private async build(): Promise<void> {
    await mkdir(this.logDir, { mode: 0o700 });
    const { namespaces } = this.names;
    for (const role of ROLES) {
      await addNamespace(namespaces[role]);
    }
    // Each namespace reads its own resolver configuration: the router and the Internet ask the Internet DNS (the
    // router only to resolve endpoint names), LAN devices ask the router until a lease says otherwise.
    await writeNamespaceResolvConf(namespaces.internet, [INTERNET_HOST.dns.ipv4]);
    await writeNamespaceResolvConf(namespaces.router, [INTERNET_HOST.dns.ipv4]);
    await writeNamespaceResolvConf(namespaces.lan1, [LAN.router]);
    await writeNamespaceResolvConf(namespaces.lan2, [LAN.router]);
    // The phone asks the Internet DNS, as a phone on a mobile network asks its carrier's.
    await writeNamespaceResolvConf(namespaces.phone, [INTERNET_HOST.dns.ipv4]);

    const context: LabContext = {
      internetNs: namespaces.internet,
      routerNs: namespaces.router,
      runDir: this.runDir,
      start: (ns, name, argv) => this.startProcess(ns, name, argv),
    };
    await connectWan(context);
    await this.connectLanDevices();
    await connectPhone(namespaces.internet, namespaces.phone);
    await addInternetAddresses(context);
    await startWebServer(context);
    await startInternetDns(context);
    for (const name of VPN_SERVER_NAMES) {
      const server = await VpnServer.start(context, {
        name,
        plan: VPN_SERVERS[name],
        ifname: this.names.vpnInterfaces[name],
        routerPublicKey: this.clientKeys[name].publicKey,
      });
      this.vpnServers.set(name, server);
    }
    const clients = {} as Record<VpnServerName, VpnClientFiles>;
    for (const name of VPN_SERVER_NAMES) {
      clients[name] = await this.writeClientFiles(name);
    }
    await this.publish(this.describe(clients));
    await this.startLeaseClients();
  }

  /**
   * The router's key file and wg-quick file for VPN server `name`: server A's file names its endpoint by address,
   * B's by DNS name (which the router resolves over the WAN), as providers' files do either.
   */
  private async writeClientFiles(name: VpnServerName): Promise<VpnClientFiles> {
    const plan = VPN_SERVERS[name];
    const keys = this.clientKeys[name];
    const privateKeyFile = await writePrivateKeyFile(this.runDir, name === 'a' ? 'router' : `router-${name}`, keys);
    const configFile = join(this.providerDir, `provider-${name}.conf`);
    const configEndpoint = `${name === 'a' ? plan.public.ipv4 : plan.name}:${plan.listenPort}`;
    await writeProviderConfig(configFile, {
      title: `The household lab's VPN server ${name.toUpperCase()} (${plan.name}), for the router: keys made for this run only`,
      privateKey: keys.privateKey,
      addresses: [plan.router.ipv4, plan.router.ipv6],
      dns: [plan.tunnel.ipv4, plan.tunnel.ipv6],
      serverPublicKey: this.vpnServer(name).publicKey,
      allowedIps: ['0.0.0.0/0', '::/0'],
      endpoint: configEndpoint,
      persistentKeepalive: PERSISTENT_KEEPALIVE,
    });
    return { privateKeyFile, configFile, configEndpoint };
  }

  /** Each LAN device's DHCP client, asking from now on (the router's LAN is not up yet: burrowd brings it). */
  private async startLeaseClients(): Promise<void> {
    for (const role of ['lan1', 'lan2'] as const) {
      const ns = this.names.namespaces[role];
      const argv = await prepareLeaseClient({ ns, device: INTERFACES.device, hostname: role, dir: this.runDir });
      this.leaseClients.push(this.startProcess(ns, `dhclient-${role}`, argv));
    }
  }

  /** A cable from each LAN device's eth0 to a router port; the device's end is up, the router's is burrowd's. */
  private async connectLanDevices(): Promise<void> {
    for (let index = 1; index <= LAN_DEVICE_COUNT; index++) {
      const ns = this.lanNamespaces[index - 1]!;
      await addVeth(
        { ns, device: INTERFACES.device, mac: deviceMac(index) },
        { ns: this.names.namespaces.router, device: routerLanPort(index) },
      );
      await run([TOOLS.ip, '-n', ns, 'link', 'set', 'dev', INTERFACES.device, 'up']);
    }
  }

  private get lanNamespaces(): string[] {
    return [this.names.namespaces.lan1, this.names.namespaces.lan2];
  }

  private describe(clients: Readonly<Record<VpnServerName, VpnClientFiles>>): LabRecord {
    const { namespaces } = this.names;
    const endpoint = (host: string) => `${host}:${VPN_SERVER.listenPort}`;
    const vpnPublicKey = this.vpnServer('a').publicKey;
    return {
      version: LAB_RECORD_VERSION,
      runId: this.names.runId,
      ownerPid: process.pid,
      startedAt: new Date().toISOString(),
      namespaces: {
        internet: namespaces.internet,
        router: namespaces.router,
        lan: this.lanNamespaces,
        phone: namespaces.phone,
      },
      internetHost: {
        web: INTERNET_HOST.web.ipv4,
        webIpv6: INTERNET_HOST.web.ipv6,
        webName: INTERNET_HOST.webName,
        webUrl: `http://${INTERNET_HOST.webName}/`,
        dns: INTERNET_HOST.dns.ipv4,
        dnsIpv6: INTERNET_HOST.dns.ipv6,
        zone: INTERNET_HOST.zone,
      },
      vpnServer: {
        namespace: namespaces.internet,
        endpoint: endpoint(VPN_SERVER.public.ipv4),
        endpointName: endpoint(VPN_SERVER.name),
        publicKey: vpnPublicKey,
        address: VPN_SERVER.public.ipv4,
        addressIpv6: VPN_SERVER.public.ipv6,
        tunnelAddress: VPN_SERVER.tunnel.ipv4,
        tunnelAddressIpv6: VPN_SERVER.tunnel.ipv6,
        dns: VPN_SERVER.tunnel.ipv4,
        interface: this.names.vpnInterface,
      },
      vpnServers: VPN_SERVER_NAMES.map((name) => {
        const plan = VPN_SERVERS[name];
        return {
          name,
          namespace: namespaces.internet,
          interface: this.names.vpnInterfaces[name],
          address: plan.public.ipv4,
          addressIpv6: plan.public.ipv6,
          listenPort: plan.listenPort,
          endpoint: `${plan.public.ipv4}:${plan.listenPort}`,
          endpointName: `${plan.name}:${plan.listenPort}`,
          publicKey: this.vpnServer(name).publicKey,
          tunnelAddress: plan.tunnel.ipv4,
          tunnelAddressIpv6: plan.tunnel.ipv6,
          dns: plan.tunnel.ipv4,
          client: {
            addresses: { ipv4: plan.router.ipv4, ipv6: plan.router.ipv6 },
            publicKey: this.clientKeys[name].publicKey,
            ...clients[name],
          },
        };
      }),
      router: {
        namespace: namespaces.router,
        wanInterface: INTERFACES.wan,
        wanAddress: `${WAN_LINK.router.ipv4}/${WAN_LINK.prefixLength.ipv4}`,
        wanAddressIpv6: `${WAN_LINK.router.ipv6}/${WAN_LINK.prefixLength.ipv6}`,
        gateway: WAN_LINK.gateway.ipv4,
        gatewayIpv6: WAN_LINK.gateway.ipv6,
        wanDns: INTERNET_HOST.dns.ipv4,
        lanInterface: LAN.bridge,
        lanPorts: this.lanNamespaces.map((_, index) => routerLanPort(index + 1)),
        lanAddress: LAN.routerAddress,
        lanIpv6Prefix: LAN.ipv6Prefix,
        dhcpRange: { ...LAN.dhcpRange },
        tunnelInterface: this.names.routerTunnelInterface,
        tunnelAddresses: { ipv4: ROUTER_TUNNEL.ipv4, ipv6: ROUTER_TUNNEL.ipv6 },
        publicKey: this.clientKeys.a.publicKey,
        privateKeyFile: clients.a.privateKeyFile,
      },
      lanDevices: this.lanNamespaces.map((ns, index) => ({
        namespace: ns,
        interface: INTERFACES.device,
        mac: deviceMac(index + 1),
        routerPort: routerLanPort(index + 1),
      })),
      phone: {
        namespace: namespaces.phone,
        interface: INTERFACES.device,
        address: `${PHONE_LINK.phone}/${PHONE_LINK.prefixLength}`,
        gateway: PHONE_LINK.isp,
        wireguardInterface: this.names.phoneInterface,
      },
      files: { runDir: this.runDir, logDir: this.logDir, record: this.recordFile ?? null },
    };
  }

  private async publish(record: LabRecord): Promise<void> {
    this.currentRecord = record;
    await writeRecord(join(this.runDir, RECORD_NAME), record);
    if (this.recordFile !== undefined) {
      await writeRecord(this.recordFile, record);
    }
  }

  /** Runs probe.js in `ns`; a failure (no answer, refused, timed out) rejects with the probe's reason. */
  private probe(ns: string, args: readonly string[], options: ProbeOptions): Promise<ExecResult> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS;
    return this.exec(ns, [process.execPath, PROBE_PATH, ...args, '--timeout', String(timeoutMs)], {
      timeoutMs: timeoutMs + 5_000,
    });
  }

  private roleOf(ns: string): Role | undefined {
    return ROLES.find((role) => this.names.namespaces[role] === ns);
  }

  private assertOwnNamespace(ns: string): void {
    if (this.roleOf(ns) === undefined) {
      throw new Error(`${ns} is not a namespace of household lab ${this.names.runId}`);
    }
  }
}

interface VpnClientFiles {
  readonly privateKeyFile: string;
  readonly configFile: string;
  readonly configEndpoint: string;
}
