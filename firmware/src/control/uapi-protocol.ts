// WireGuard's cross-platform userspace API (https://www.wireguard.com/xplatform/), the text protocol that wg(8)
// speaks to wireguard-go. This file is the pure half: parse a whole `set=1` body into a validated change, and render
// a `get=1` reply from a snapshot. Parsing is all-or-nothing, so a malformed request changes nothing.
import { Endpoint } from '../io/endpoint.js';
import {
  type DeviceChange,
  type DeviceSnapshot,
  type PeerChange,
  UapiErrno,
  UapiError,
} from '../engine/device-change.js';
import { formatIpPrefix, parseIpPrefix } from '../net/ip.js';

const KEY_HEX = /^[0-9a-f]{64}$/;
const UINT = /^\d{1,10}$/;

function invalid(message: string): never {
  throw new UapiError(UapiErrno.invalid, message);
}

function parseKey(name: string, value: string): Uint8Array {
  if (!KEY_HEX.test(value)) {
    invalid(`${name} must be 64 lowercase hex characters`);
  }
  return Uint8Array.from(Buffer.from(value, 'hex'));
}

function parseUint(name: string, value: string, max: number): number {
  if (!UINT.test(value) || Number(value) > max) {
    invalid(`${name} must be an integer from 0 to ${max}`);
  }
  return Number(value);
}

function parseTrue(name: string, value: string): true {
  if (value !== 'true') {
    invalid(`${name} only takes the value "true"`);
  }
  return true;
}

/** "192.0.2.1:51820" or "[2001:db8::1]:51820"; hostnames are resolved by wg(8) before they reach us. */
export function parseEndpoint(value: string): Endpoint {
  try {
    return Endpoint.parse(value);
  } catch (error) {
    return invalid(error instanceof Error ? error.message : 'endpoint must be an IP address and port');
  }
}

function applyDeviceLine(change: DeviceChange, key: string, value: string): void {
  switch (key) {
    case 'private_key':
      change.privateKey = parseKey(key, value);
      return;
    case 'listen_port':
      change.listenPort = parseUint(key, value, 65535);
      return;
    case 'fwmark':
      change.fwmark = value === '' ? 0 : parseUint(key, value, 0xffffffff);
      return;
    case 'replace_peers':
      change.replacePeers = parseTrue(key, value);
      return;
    default:
      invalid(`unknown interface key "${key}"`);
  }
}

function applyPeerLine(peer: PeerChange, key: string, value: string): void {
  switch (key) {
    case 'remove':
      peer.remove = parseTrue(key, value);
      return;
    case 'update_only':
      peer.updateOnly = parseTrue(key, value);
      return;
    case 'preshared_key':
      peer.presharedKey = parseKey(key, value);
      return;
    case 'endpoint':
      peer.endpoint = parseEndpoint(value);
      return;
    case 'persistent_keepalive_interval':
      peer.persistentKeepaliveInterval = parseUint(key, value, 65535);
      return;
    case 'replace_allowed_ips':
      peer.replaceAllowedIps = parseTrue(key, value);
      return;
    case 'allowed_ip': {
      const remove = value.startsWith('-');
      const prefix = parseIpPrefix(remove ? value.slice(1) : value);
      if (!prefix) {
        invalid(`allowed_ip must be an address with a prefix length, like 10.0.0.0/24 or fd00::/64`);
      }
      peer.allowedIps.push({ prefix, remove });
      return;
    }
    case 'protocol_version':
      if (value !== '1') {
        invalid('protocol_version must be 1');
      }
      return;
    default:
      invalid(`unknown peer key "${key}"`);
  }
}

/** Parses the lines of a `set=1` request (without the `set=1` line and the final blank line). */
export function parseSetRequest(lines: readonly string[]): DeviceChange {
  const change: DeviceChange = { replacePeers: false, peers: [] };
  let peer: PeerChange | null = null;
  for (const line of lines) {
    const eq = line.indexOf('=');
    if (eq <= 0) {
      invalid(`line "${line.slice(0, 40)}" is not key=value`);
    }
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1);
    if (key === 'public_key') {
      peer = {
        publicKey: parseKey(key, value),
        remove: false,
        updateOnly: false,
        replaceAllowedIps: false,
        allowedIps: [],
      };
      change.peers.push(peer);
    } else if (peer) {
      applyPeerLine(peer, key, value);
    } else {
      applyDeviceLine(change, key, value);
    }
  }
  return change;
}

/** Renders a `set=1` request (the inverse of parseSetRequest), for clients such as burrowd. */
export function renderSetRequest(change: DeviceChange): string {
  const hex = (key: Uint8Array): string => Buffer.from(key).toString('hex');
  const lines = ['set=1'];
  if (change.privateKey !== undefined) {
    lines.push(`private_key=${hex(change.privateKey)}`);
  }
  if (change.listenPort !== undefined) {
    lines.push(`listen_port=${change.listenPort}`);
  }
  if (change.fwmark !== undefined) {
    lines.push(`fwmark=${change.fwmark}`);
  }
  if (change.replacePeers) {
    lines.push('replace_peers=true');
  }
  for (const peer of change.peers) {
    lines.push(`public_key=${hex(peer.publicKey)}`);
    if (peer.remove) {
      lines.push('remove=true');
    }
    if (peer.updateOnly) {
      lines.push('update_only=true');
    }
    if (peer.presharedKey !== undefined) {
      lines.push(`preshared_key=${hex(peer.presharedKey)}`);
    }
    if (peer.endpoint !== undefined) {
      lines.push(`endpoint=${peer.endpoint.toString()}`);
    }
    if (peer.persistentKeepaliveInterval !== undefined) {
      lines.push(`persistent_keepalive_interval=${peer.persistentKeepaliveInterval}`);
    }
    if (peer.replaceAllowedIps) {
      lines.push('replace_allowed_ips=true');
    }
    for (const { prefix, remove } of peer.allowedIps) {
      lines.push(`allowed_ip=${remove ? '-' : ''}${formatIpPrefix(prefix)}`);
    }
  }
  return `${lines.join('\n')}\n\n`;
}

/** Renders the body of a `get=1` reply in wireguard-go's order, ending before the `errno=` line. */
export function renderGetReply(device: DeviceSnapshot): string {
  const lines: string[] = [];
  if (device.privateKey) {
    lines.push(`private_key=${Buffer.from(device.privateKey).toString('hex')}`);
  }
  if (device.listenPort !== 0) {
    lines.push(`listen_port=${device.listenPort}`);
  }
  if (device.fwmark !== 0) {
    lines.push(`fwmark=${device.fwmark}`);
  }
  for (const peer of device.peers) {
    lines.push(`public_key=${Buffer.from(peer.publicKey).toString('hex')}`);
    lines.push(`preshared_key=${Buffer.from(peer.presharedKey ?? new Uint8Array(32)).toString('hex')}`);
    lines.push('protocol_version=1');
    if (peer.endpoint) {
      lines.push(`endpoint=${peer.endpoint.toString()}`);
    }
    const seconds = Math.floor(peer.lastHandshakeUnixMs / 1000);
    lines.push(`last_handshake_time_sec=${seconds}`);
    lines.push(`last_handshake_time_nsec=${Math.round((peer.lastHandshakeUnixMs - seconds * 1000) * 1e6)}`);
    lines.push(`tx_bytes=${peer.txBytes}`);
    lines.push(`rx_bytes=${peer.rxBytes}`);
    lines.push(`persistent_keepalive_interval=${peer.persistentKeepaliveInterval}`);
    for (const prefix of peer.allowedIps) {
      lines.push(`allowed_ip=${formatIpPrefix(prefix)}`);
    }
  }
  return lines.map((line) => `${line}\n`).join('');
}
