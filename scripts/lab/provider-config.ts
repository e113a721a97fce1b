// The router's client configuration for one of the lab's VPN servers, as a VPN provider hands it out: a wg-quick
// file a household imports on the router's web page. It holds the router's private key for that server, so it is
// written 0600 and removed with the lab (the keys are made for each run and mean nothing afterwards).
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface ProviderConfig {
  /** A comment line naming what the file is for. */
  readonly title: string;
  readonly privateKey: string;
  /** The router's addresses inside the tunnel, with prefix lengths. */
  readonly addresses: readonly string[];
  readonly dns: readonly string[];
  readonly serverPublicKey: string;
  readonly allowedIps: readonly string[];
  /** host:port, an address or a DNS name. */
  readonly endpoint: string;
  readonly persistentKeepalive: number;
}

/** The wg-quick text: [Interface] and one [Peer], the fields every provider's file has. */
export function renderProviderConfig(config: ProviderConfig): string {
  for (const value of [config.title, config.endpoint, ...config.addresses, ...config.dns, ...config.allowedIps]) {
    if (/[\r\n]/.test(value)) {
      throw new Error('A provider configuration value cannot span lines');
    }
  }
  return [
    `# ${config.title}`,
    '[Interface]',
    `PrivateKey = ${config.privateKey}`,
    `Address = ${config.addresses.join(', ')}`,
    `DNS = ${config.dns.join(', ')}`,
    '',
    '[Peer]',
    `PublicKey = ${config.serverPublicKey}`,
    `AllowedIPs = ${config.allowedIps.join(', ')}`,
    `Endpoint = ${config.endpoint}`,
    `PersistentKeepalive = ${config.persistentKeepalive}`,
    '',
  ].join('\n');
}

/** Writes the file 0600 (replacing one a previous run left), creating its directory 0700 if needed. */
export async function writeProviderConfig(file: string, config: ProviderConfig): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  // A file of an earlier run may have other permissions: write a fresh one rather than reuse its mode.
  await rm(file, { force: true });
  await writeFile(file, renderProviderConfig(config), { mode: 0o600, flag: 'wx' });
}
