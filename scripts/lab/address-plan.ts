// The household lab's address plan: documentation and shared-address-space ranges only, so nothing here can
// clash with a real network (and never 10/8, 172.16/12 or 192.168/16, which a developer's own LAN may use).
// README.md beside this file draws the same plan; keep the two in step.

/** The link between the router's WAN port and its "ISP" (the internet namespace). */
export const WAN_LINK = {
  ipv4Prefix: '198.51.100.0/24',
  ipv6Prefix: '2001:db8:100::/64',
  /** The ISP side: the router's default gateway. */
  gateway: { ipv4: '198.51.100.1', ipv6: '2001:db8:100::1' },
  router: { ipv4: '198.51.100.2', ipv6: '2001:db8:100::2' },
  prefixLength: { ipv4: 24, ipv6: 64 },
} as const;

/** The Internet host: a web server that echoes the client's address, and a DNS server for the test zone. */
export const INTERNET_HOST = {
  web: { ipv4: '203.0.113.10', ipv6: '2001:db8:113::10' },
  dns: { ipv4: '203.0.113.53', ipv6: '2001:db8:113::53' },
  webPort: 80,
  /** The zone the Internet DNS answers for; names outside it get REFUSED (this Internet has no root). */
  zone: 'internet.test',
  /** Resolves to the web server. */
  webName: 'internet.test',
} as const;

/**
 * The two VPN servers, both in the internet namespace: a household's provider with two servers, for failover.
 * Each has its own public address, port, tunnel subnet and keys, and its own address for the router inside the
 * tunnel. wireguard-go binds its port on every address, so two in one namespace need two ports.
 */
export const VPN_SERVERS = {
  a: {
    /** Its public address: the tunnel endpoint, and the source address tunnelled traffic reaches the Internet from. */
    public: { ipv4: '203.0.113.1', ipv6: '2001:db8:113::1' },
    listenPort: 51820,
    /** Resolves to public through the Internet DNS. */
    name: 'vpn-a.internet.test',
    /** Inside the tunnel: the server's address, which is also the resolver the tunnel client uses. */
    tunnel: { ipv4: '100.96.0.1', ipv6: 'fd96::1' },
    tunnelPrefix: { ipv4: '100.96.0.0/24', ipv6: 'fd96::/64' },
    /** The router's end of this server's tunnel. */
    router: { ipv4: '100.96.0.2/32', ipv6: 'fd96::2/128' },
  },
  b: {
    public: { ipv4: '203.0.113.2', ipv6: '2001:db8:113::2' },
    listenPort: 51821,
    name: 'vpn-b.internet.test',
    tunnel: { ipv4: '100.96.1.1', ipv6: 'fd96:1::1' },
    tunnelPrefix: { ipv4: '100.96.1.0/24', ipv6: 'fd96:1::/64' },
    router: { ipv4: '100.96.1.2/32', ipv6: 'fd96:1::2/128' },
  },
} as const;

export type VpnServerName = keyof typeof VPN_SERVERS;
export const VPN_SERVER_NAMES = Object.keys(VPN_SERVERS) as VpnServerName[];
export type VpnServerPlan = (typeof VPN_SERVERS)[VpnServerName];

/** Server A, which the lab's desired state (labDesiredState) and the older tests use; also vpn.internet.test. */
export const VPN_SERVER = { ...VPN_SERVERS.a, name: 'vpn.internet.test' } as const;

/** The router's end of server A's tunnel. */
export const ROUTER_TUNNEL = {
  ...VPN_SERVERS.a.router,
  mtu: 1420,
} as const;

/** The household LAN behind the router (100.64.0.0/10 is shared address space, never a home network's range). */
export const LAN = {
  /** The bridge burrowd builds out of the LAN ports. */
  bridge: 'br-lan',
  routerAddress: '100.64.8.1/24',
  router: '100.64.8.1',
  dhcpRange: { start: '100.64.8.100', end: '100.64.8.199' },
  leaseSeconds: 3600,
  /** The router's unique local address; LAN devices form theirs from router advertisements. */
  ipv6Prefix: 'fd08::1/64',
} as const;

/**
 * The phone's "mobile network" (TEST-NET-1): a cable from the ISP (the internet namespace) to the phone namespace,
 * a customer of the same ISP away from home, which dials the router's WAN address for remote access.
 */
export const PHONE_LINK = {
  ipv4Prefix: '192.0.2.0/24',
  /** The ISP's side, in the internet namespace: the phone's default gateway. */
  isp: '192.0.2.1',
  phone: '192.0.2.2',
  prefixLength: 24,
} as const;

/** Interface names inside the namespaces (each namespace has its own, so they need not be unique). */
export const INTERFACES = {
  /** The ISP's side of the WAN link, in the internet namespace. */
  isp: 'isp0',
  /** The router's WAN port. */
  wan: 'wan0',
  /** Each LAN device's network card, and the phone's. */
  device: 'eth0',
  /** The ISP's side of the phone's cable, in the internet namespace. */
  ispPhone: 'isp-phone',
} as const;

/** The router's LAN port towards LAN device `index` (1-based): left unconfigured for burrowd to enslave. */
export function routerLanPort(index: number): string {
  return `lan${index}p`;
}

/** A fixed, locally administered MAC per LAN device, so leases are easy to tell apart. */
export function deviceMac(index: number): string {
  return `02:b7:64:08:00:${index.toString(16).padStart(2, '0')}`;
}

export const LAN_DEVICE_COUNT = 2;
