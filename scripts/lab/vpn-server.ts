// The lab's VPN server, in the internet namespace: wireguard-go configured with the stock `wg` and `ip` tools as
// a provider would, the router as its one peer, NAT so tunnelled traffic reaches the Internet from the server's
// own public address, and a resolver on its tunnel address (dnsmasq forwarding to the Internet DNS).
import { run } from '@burrow/firmware/os/exec';
import { INTERFACES, INTERNET_HOST, ROUTER_TUNNEL, VPN_SERVER } from './address-plan.js';
import { dnsmasqBaseArgv, type LabContext } from './internet.js';
import { type LabProcess } from './lab-process.js';
import { TOOLS } from './tools.js';
import { generateKeyPair, writePrivateKeyFile } from './wg-keys.js';

const READY_TIMEOUT_MS = 10_000;
const TUNNEL_MTU = 1420;

export interface VpnServer {
  readonly publicKey: string;
  readonly daemon: LabProcess;
  readonly resolver: LabProcess;
}

export async function startVpnServer(context: LabContext, ifname: string, routerPublicKey: string): Promise<VpnServer> {
  const ns = context.internetNs;
  const keys = await generateKeyPair();
  const keyFile = await writePrivateKeyFile(context.runDir, 'vpn-server', keys);
  const wg = (args: readonly string[], okExitCodes: number[] = []) =>
    run([TOOLS.ip, 'netns', 'exec', ns, TOOLS.wg, ...args], { okExitCodes });
  const daemon = await startWireguardGo(context, ns, ifname, wg);

  await wg(['set', ifname, 'listen-port', String(VPN_SERVER.listenPort), 'private-key', keyFile]);
  await wg(['set', ifname, 'peer', routerPublicKey, 'allowed-ips', `${ROUTER_TUNNEL.ipv4},${ROUTER_TUNNEL.ipv6}`]);

  const ip = (args: readonly string[]) => run([TOOLS.ip, '-n', ns, ...args]);
  const prefixLength = (prefix: string) => prefix.split('/')[1]!;
  await ip(['link', 'set', 'dev', ifname, 'addrgenmode', 'none']);
  await ip([
    'address',
    'add',
    `${VPN_SERVER.tunnel.ipv4}/${prefixLength(VPN_SERVER.tunnelPrefix.ipv4)}`,
    'dev',
    ifname,
  ]);
  await ip([
    ...['address', 'add', `${VPN_SERVER.tunnel.ipv6}/${prefixLength(VPN_SERVER.tunnelPrefix.ipv6)}`],
    ...['dev', ifname, 'nodad'],
  ]);
  await ip(['link', 'set', 'dev', ifname, 'mtu', String(TUNNEL_MTU), 'up']);
  await run([TOOLS.ip, 'netns', 'exec', ns, TOOLS.nft, '-f', '-'], {
    input: renderVpnServerRuleset(ifname),
    inputIsPublic: true,
  });

  const resolver = context.start(ns, 'vpn-resolver', vpnResolverArgv(context.runDir));
  await resolver.waitForLog(/started, version/, READY_TIMEOUT_MS);
  return { publicKey: keys.publicKey, daemon, resolver };
}

/**
 * The internet namespace's nftables table:
 * - NAT: what arrives through the tunnel leaves it with the VPN server's public address as its source, both for
 *   the hosts in this namespace (snat on the input hook) and beyond it (snat on postrouting). Queries to the
 *   server's own tunnel address keep the client's tunnel address, so the resolver's log shows who asked.
 * - The tunnel's inside is reachable only through the tunnel: a plaintext packet from the router to the VPN
 *   resolver is dropped, or a test could not tell a tunnelled DNS query from one that leaked.
 */
export function renderVpnServerRuleset(ifname: string): string {
  const { tunnelPrefix, public: address } = VPN_SERVER;
  return `table inet burrow_lab_vpn
delete table inet burrow_lab_vpn
table inet burrow_lab_vpn {
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

/** The resolver inside the tunnel: the DNS server the router's desired state names. */
export function vpnResolverArgv(runDir: string): string[] {
  return [
    ...dnsmasqBaseArgv(runDir, 'vpn-resolver'),
    `--listen-address=${VPN_SERVER.tunnel.ipv4}`,
    `--listen-address=${VPN_SERVER.tunnel.ipv6}`,
    `--server=${INTERNET_HOST.dns.ipv4}`,
  ];
}

/**
 * wireguard-go sets up its UAPI socket with a race of its own (a failed first listen, then removing a stale socket
 * file that is already gone, exits with ENOENT); seen once in many runs under load. A second start settles it.
 */
async function startWireguardGo(
  context: LabContext,
  ns: string,
  ifname: string,
  wg: (args: readonly string[], okExitCodes?: number[]) => Promise<{ code: number }>,
): Promise<LabProcess> {
  for (let attempt = 1; ; attempt++) {
    const daemon = context.start(ns, 'vpn-server', [TOOLS.wireguardGo, '-f', ifname]);
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
