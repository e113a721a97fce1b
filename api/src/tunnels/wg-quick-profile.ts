// A VPN provider's WireGuard profile as the router keeps it: what a wg-quick file says, in canonical form.

export interface WgQuickPeer {
  /** The server's public key, base64. */
  publicKey: string;
  /** A secret like the private key: never returned by the API except in a password-confirmed export. */
  presharedKey?: string;
  /** "host:port" or "[IPv6]:port"; a host name is resolved by burrowd on the router. */
  endpoint: string;
  /** Canonical prefixes (host bits cleared), as wg(8) stores them. */
  allowedIps: string[];
  /** Seconds; absent means off. */
  persistentKeepalive?: number;
}

export interface WgQuickProfile {
  /** This router's private key for the provider, base64. A secret. */
  privateKey: string;
  /** The tunnel's own addresses with prefix lengths. */
  addresses: string[];
  /** Resolvers inside the tunnel, canonical text. */
  dns: string[];
  /** Search domains from the DNS line, handed to LAN devices by DHCP. */
  searchDomains: string[];
  mtu?: number;
  peers: WgQuickPeer[];
}
