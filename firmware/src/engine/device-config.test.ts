import test from 'ava';
import { x25519 } from '@noble/curves/ed25519.js';
import { parseSetRequest } from '../control/uapi-protocol.js';
import { formatIpPrefix } from '../net/ip.js';
import { applyDeviceChange, EMPTY_DEVICE_CONFIG, keyHex, type DeviceConfig } from './device-config.js';

const publicKeyOf = (privateKey: Uint8Array): Uint8Array => x25519.getPublicKey(privateKey);
const hex = (fill: number): string => Buffer.alloc(32, fill).toString('hex');
const apply = (config: DeviceConfig, ...lines: string[]): DeviceConfig =>
  applyDeviceChange(config, parseSetRequest(lines), publicKeyOf);
const allowed = (config: DeviceConfig, fill: number): string[] =>
  (config.peers.get(hex(fill))?.allowedIps ?? []).map(formatIpPrefix);

test('adds peers, canonicalises allowed IPs and keeps unspecified fields', (t) => {
  let config = apply(EMPTY_DEVICE_CONFIG, `public_key=${hex(1)}`, 'allowed_ip=10.0.0.7/24', 'endpoint=192.0.2.1:51820');
  config = apply(config, `public_key=${hex(1)}`, 'persistent_keepalive_interval=25');
  t.deepEqual(allowed(config, 1), ['10.0.0.0/24']);
  t.is(config.peers.get(hex(1))?.persistentKeepaliveInterval, 25);
  t.truthy(config.peers.get(hex(1))?.endpoint);
});

test('an allowed IP moves to the peer that claims it last', (t) => {
  let config = apply(EMPTY_DEVICE_CONFIG, `public_key=${hex(1)}`, 'allowed_ip=10.0.0.0/24', 'allowed_ip=fd00::/64');
  config = apply(config, `public_key=${hex(2)}`, 'allowed_ip=10.0.0.0/24');
  t.deepEqual(allowed(config, 1), ['fd00::/64']);
  t.deepEqual(allowed(config, 2), ['10.0.0.0/24']);
});

test('replace_allowed_ips, removal of one prefix, replace_peers, remove and update_only', (t) => {
  let config = apply(EMPTY_DEVICE_CONFIG, `public_key=${hex(1)}`, 'allowed_ip=10.0.0.0/24', 'allowed_ip=10.1.0.0/24');
  config = apply(config, `public_key=${hex(1)}`, 'allowed_ip=-10.1.0.0/24');
  t.deepEqual(allowed(config, 1), ['10.0.0.0/24']);
  config = apply(config, `public_key=${hex(1)}`, 'replace_allowed_ips=true', 'allowed_ip=10.2.0.0/16');
  t.deepEqual(allowed(config, 1), ['10.2.0.0/16']);
  config = apply(config, `public_key=${hex(3)}`, 'update_only=true', 'allowed_ip=10.3.0.0/16');
  t.false(config.peers.has(hex(3)));
  config = apply(config, `public_key=${hex(2)}`);
  config = apply(config, `public_key=${hex(1)}`, 'remove=true');
  t.deepEqual([...config.peers.keys()], [hex(2)]);
  config = apply(config, 'replace_peers=true', `public_key=${hex(4)}`);
  t.deepEqual([...config.peers.keys()], [hex(4)]);
});

test('zero keys clear; a peer equal to the device itself is ignored', (t) => {
  const privateKey = Buffer.alloc(32, 7);
  const own = keyHex(publicKeyOf(privateKey));
  let config = apply(EMPTY_DEVICE_CONFIG, `private_key=${privateKey.toString('hex')}`, `public_key=${own}`);
  t.false(config.peers.has(own));
  config = apply(config, `public_key=${hex(1)}`, `preshared_key=${hex(9)}`);
  t.truthy(config.peers.get(hex(1))?.presharedKey);
  config = apply(config, `private_key=${hex(0)}`, `public_key=${hex(1)}`, `preshared_key=${hex(0)}`);
  t.is(config.privateKey, null);
  t.is(config.peers.get(hex(1))?.presharedKey, null);
});

test('the input configuration is never modified', (t) => {
  const before = apply(EMPTY_DEVICE_CONFIG, `public_key=${hex(1)}`, 'allowed_ip=10.0.0.0/24');
  apply(before, 'replace_peers=true', `public_key=${hex(2)}`, 'allowed_ip=10.0.0.0/24');
  t.deepEqual(allowed(before, 1), ['10.0.0.0/24']);
  t.is(before.peers.size, 1);
});
