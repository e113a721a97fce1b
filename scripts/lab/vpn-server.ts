// The lab's VPN servers, in the internet namespace: wireguard-go configured with the stock `wg` and `ip` tools as
// a provider would, the router as its one peer, NAT so tunnelled traffic reaches the Internet from the server's
// own public address, and a resolver on its tunnel address (dnsmasq forwarding to the Internet DNS). A server can
// be stopped and started again (failover tests): stopped, it is silent, as a server that dropped off the net.
import { run } from '@burrow/firmware/os/exec';
import { INTERFACES, INTERNET_HOST, type VpnServerName, type VpnServerPlan } from './address-plan.js';
import { dnsmasqBaseArgv, type LabContext } from './internet.js';
import { type LabProcess } from './lab-process.js';
import { TOOLS } from './tools.js';
import { generateKeyPair, writePrivateKeyFile } from './wg-keys.js';

const READY_TIMEOUT_MS = 10_000;
const TUNNEL_MTU = 1420;

export interface VpnServerSetup {
  readonly name: VpnServerName;
  readonly plan: VpnServerPlan;
  readonly ifname: string;
  /** The router's public key for this server: its one peer. */
  readonly routerPublicKey: string;
}

/** Server A keeps the names it had when the lab had one server (logs, nft table); B's carry its letter. */
export function vpnServerLabel(name: VpnServerName): { process: string; resolver: string; table: string } {
  return name === 'a'
    ? { process: 'vpn-server', resolver: 'vpn-resolver', table: 'burrow_lab_vpn' }
    : { process: `vpn-server-${name}`, resolver: `vpn-resolver-${name}`, table: `burrow_lab_vpn_${name}` };
}

export class VpnServer {
  private daemon: LabProcess | undefined;
  private constructor(
    private readonly context: LabContext,
    readonly setup: VpnServerSetup,
    readonly publicKey: string,
    private readonly keyFile: string,
  ) {}

  /** Builds the server: keys, wireguard-go, addresses, NAT, the resolver inside its tunnel. */
  static async start(context: LabContext, setup: VpnServerSetup): Promise<VpnServer> {
    const keys = await generateKeyPair();
    const label = vpnServerLabel(setup.name);
    const keyFile = await writePrivateKeyFile(context.runDir, label.process, keys);
    await run([TOOLS.ip, 'netns', 'exec', context.internetNs, TOOLS.nft, '-f', '-'], {
      input: renderVpnServerRuleset(setup),
      inputIsPublic: true,
    });
    const server = new VpnServer(context, setup, keys.publicKey, keyFile);
    await server.startDaemon();
    // bind-dynamic: after a stop and start, the resolver binds the tunnel address again by itself.
    const resolver = context.start(context.internetNs, label.resolver, vpnResolverArgv(context.runDir, setup));
    await resolver.waitForLog(/started, version/, READY_TIMEOUT_MS);
    return server;
  }

  get running(): boolean {
    return this.daemon !== undefined && this.daemon.exitCode() === undefined;
  }

  /**
   * Takes the server off the net: its UDP port drops everything (no ICMP "port unreachable" either, as when a
   * server's host or route is gone), and wireguard-go ends, so its sessions are lost as in a crash.
   */
  async stop(): Promise<void> {
    const { plan } = this.setup;
    await this.nft([
      'add',
      'rule',
      'inet',
      vpnServerLabel(this.setup.name).table,
      'silenced',
      'udp',
      'dport',
      String(plan.listenPort),
      'drop',
    ]);
    await this.daemon?.stop();
    this.daemon = undefined;
  }

  /** Brings a stopped server back: a fresh wireguard-go with the same keys, peer and addresses. */
  async start(): Promise<void> {
    if (this.running) {
      return;
    }
    await this.startDaemon();
    await this.nft(['flush', 'chain', 'inet', vpnServerLabel(this.setup.name).table, 'silenced']);
  }

  private async startDaemon(): Promise<void> {
    const { ifname, plan, routerPublicKey } = this.setup;
    const ns = this.context.internetNs;
    const wg = (args: readonly string[], okExitCodes: number[] = []) =>
      run([TOOLS.ip, 'netns', 'exec', ns, TOOLS.wg, ...args], { okExitCodes });
    this.daemon = await startWireguardGo(this.context, vpnServerLabel(this.setup.name).process, ifname, wg);

    await wg(['set', ifname, 'listen-port', String(plan.listenPort), 'private-key', this.keyFile]);
    await wg(['set', ifname, 'peer', routerPublicKey, 'allowed-ips', `${plan.router.ipv4},${plan.router.ipv6}`]);

    const ip = (args: readonly string[]) => run([TOOLS.ip, '-n', ns, ...args]);
    const prefixLength = (prefix: string) => prefix.split('/')[1]!;
    await ip(['link', 'set', 'dev', ifname, 'addrgenmode', 'none']);
    await ip(['address', 'add', `${plan.tunnel.ipv4}/${prefixLength(plan.tunnelPrefix.ipv4)}`, 'dev', ifname]);
    await ip([
      ...['address', 'add', `${plan.tunnel.ipv6}/${prefixLength(plan.tunnelPrefix.ipv6)}`],
      ...['dev', ifname, 'nodad'],
    ]);
    await ip(['link', 'set', 'dev', ifname, 'mtu', String(TUNNEL_MTU), 'up']);
  }

  private async nft(args: readonly string[]): Promise<void> {
    await run([TOOLS.ip, 'netns', 'exec', this.context.internetNs, TOOLS.nft, ...args]);
  }
}

/**
 * One server's nftables table in the internet namespace:
 * - NAT: what arrives through the tunnel leaves it with the VPN server's public address as its source, both for
 *   the hosts in this namespace (snat on the input hook) and beyond it (snat on postrouting). Queries to the
 *   server's own tunnel address keep the client's tunnel address, so the resolver's log shows who asked.
 * - The tunnel's inside is reachable only through the tunnel: a plaintext packet from the router to the VPN
 *   resolver is dropped, or a test could not tell a tunnelled DNS query from one that leaked.
 * - `silenced` is empty while the server runs; stop() adds a rule that drops its port.
 */
export function renderVpnServerRuleset(setup: Pick<VpnServerSetup, 'name' | 'plan' | 'ifname'>): string {
  const { tunnelPrefix, public: address } = setup.plan;
  const { ifname } = setup;
  const table = vpnServerLabel(setup.name).table;
  return `table inet ${table}
delete table inet ${table}
table inet ${table} {
  chain silenced {
    type filter hook input priority filter - 1; policy accept;
  }
  chain tunnel_inside_only {
    type filter hook input priority filter; policy accept;
    iifname "${INTERFACES.isp}" ip daddr ${tunnelPrefix.ipv4} drop
    iifname "${INTERFACES.isp}" ip6 daddr ${tunnelPrefix.ipv6} drop
  }
  chain tunnel_to_this_host {
    type nat hook input priority 100;
    iifname "${ifname}" ip daddr != ${tunnelPrefix.ipv4} snat ip to ${address.ipv4}
    iifname "${ifname}" ip6 daddr != ${tunnelPrefix.ipv6} snat ip6 to ${address.ipv6}
  }
  chain tunnel_beyond_this_host {
    type nat hook postrouting priority srcnat;
    iifname "${ifname}" ip daddr != ${tunnelPrefix.ipv4} snat ip to ${address.ipv4}
    iifname "${ifname}" ip6 daddr != ${tunnelPrefix.ipv6} snat ip6 to ${address.ipv6}
  }
}
`;
}

/** The resolver inside a server's tunnel: the DNS server its client configuration names. */
export function vpnResolverArgv(runDir: string, setup: Pick<VpnServerSetup, 'name' | 'plan'>): string[] {
  return [
    ...dnsmasqBaseArgv(runDir, vpnServerLabel(setup.name).resolver),
    `--listen-address=${setup.plan.tunnel.ipv4}`,
    `--listen-address=${setup.plan.tunnel.ipv6}`,
    `--server=${INTERNET_HOST.dns.ipv4}`,
  ];
}

/**
 * wireguard-go sets up its UAPI socket with a race of its own (a failed first listen, then removing a stale socket
 * file that is already gone, exits with ENOENT); seen once in many runs under load. A second start settles it.
 */
async function startWireguardGo(
  context: LabContext,
  name: string,
  ifname: string,
  wg: (args: readonly string[], okExitCodes?: number[]) => Promise<{ code: number }>,
): Promise<LabProcess> {
  for (let attempt = 1; ; attempt++) {
    const daemon = context.start(context.internetNs, name, [TOOLS.wireguardGo, '-f', ifname]);
    try {
      await daemon.waitFor('open its UAPI socket', READY_TIMEOUT_MS, async () =>
        (await wg(['show', ifname, 'listen-port'], [1])).code === 0 ? true : undefined,
      );
      return daemon;
    } catch (error) {
      if (attempt >= 3) {
        throw error;
      }
    }
  }
}
