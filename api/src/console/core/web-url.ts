/** The web page's address as a LAN device opens it: the router's first LAN IPv4 address, or loopback on a bare dev box. */
export function webPageUrl(lanAddresses: readonly string[], httpsPort: number): string | null {
  const ipv4 = lanAddresses.map((address) => address.split('/')[0] ?? '').find((address) => address.includes('.'));
  const port = httpsPort === 443 ? '' : `:${httpsPort}`;
  if (ipv4 !== undefined) {
    // The lab (and the device) serve the LAN on 443 whatever port the API binds on loopback behind them.
    return `https://${ipv4}/`;
  }
  return `https://127.0.0.1${port}/`;
}
