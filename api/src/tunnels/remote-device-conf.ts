// The wg-quick file a remote device imports (a phone scans it as a QR code): its own keys and addresses, and the
// router as its one peer. A pasted public key means the device holds its private key: the file says where it goes.
import { joinEndpoint } from '@burrow/firmware/control/state-fields';

export interface RemoteDeviceConf {
  /** The device's private key, base64; null when the device made its own keys (a pasted public key). */
  privateKey: string | null;
  /** The device's host addresses ("10.99.0.2/32", "fd99::2/128"). */
  addresses: string[];
  /** The router's addresses in the devices' subnets, without prefix lengths: the device's resolvers. */
  dns: string[];
  serverPublicKey: string;
  presharedKey: string;
  /** What the device sends through the tunnel. */
  allowedIps: string[];
  /** Where the device dials the router; null when neither a name was typed nor the WAN address is known. */
  endpointHost: string | null;
  listenPort: number;
}

/** Seconds between keepalives: a phone behind NAT keeps its mapping, so the router can reach it. */
export const REMOTE_KEEPALIVE_SECONDS = 25;

export function renderRemoteDeviceConf(conf: RemoteDeviceConf): string {
  const lines = [
    '[Interface]',
    conf.privateKey === null
      ? '# PrivateKey = (held by the device: its own public key was given to the router)'
      : `PrivateKey = ${conf.privateKey}`,
    `Address = ${conf.addresses.join(', ')}`,
    `DNS = ${conf.dns.join(', ')}`,
    '',
    '[Peer]',
    `PublicKey = ${conf.serverPublicKey}`,
    `PresharedKey = ${conf.presharedKey}`,
    `AllowedIPs = ${conf.allowedIps.join(', ')}`,
    conf.endpointHost === null
      ? `# Endpoint = (the router's public address):${conf.listenPort}`
      : `Endpoint = ${joinEndpoint(conf.endpointHost, conf.listenPort)}`,
    `PersistentKeepalive = ${REMOTE_KEEPALIVE_SECONDS}`,
  ];
  return `${lines.join('\n')}\n`;
}

/** A file name every OS accepts, from a name the household chose. */
export function confFileName(name: string): string {
  const stem = name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+|-+$/g, '');
  return `${stem === '' ? 'device' : stem.slice(0, 48)}.conf`;
}
