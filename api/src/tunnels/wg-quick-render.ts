// Writes a profile back as a wg-quick file, the form every WireGuard app imports.
import { type WgQuickProfile } from './wg-quick-profile.js';

export interface RenderOptions {
  /** The title on the first line, as a comment. */
  name: string;
  /** Without it the keys stay on the router: the file shows where they go and cannot connect by itself. */
  includeSecrets: boolean;
}

export function renderWgQuick(profile: WgQuickProfile, { name, includeSecrets }: RenderOptions): string {
  const secret = (field: string, value: string) =>
    includeSecrets
      ? `${field} = ${value}`
      : `# ${field} = (kept on the router; export with your password to include it)`;
  const lines = [
    `# ${oneLine(name)}, exported from Burrow`,
    '[Interface]',
    secret('PrivateKey', profile.privateKey),
    `Address = ${profile.addresses.join(', ')}`,
    `DNS = ${[...profile.dns, ...profile.searchDomains].join(', ')}`,
    ...(profile.mtu === undefined ? [] : [`MTU = ${profile.mtu}`]),
  ];
  for (const peer of profile.peers) {
    lines.push(
      '',
      '[Peer]',
      `PublicKey = ${peer.publicKey}`,
      ...(peer.presharedKey === undefined ? [] : [secret('PresharedKey', peer.presharedKey)]),
      `AllowedIPs = ${peer.allowedIps.join(', ')}`,
      `Endpoint = ${peer.endpoint}`,
      ...(peer.persistentKeepalive === undefined ? [] : [`PersistentKeepalive = ${peer.persistentKeepalive}`]),
    );
  }
  return `${lines.join('\n')}\n`;
}

/** A name is shown on a comment line: nothing in it may start a new line. */
function oneLine(text: string): string {
  return text.replace(/[\p{C}\p{Zl}\p{Zp}]/gu, ' ');
}
