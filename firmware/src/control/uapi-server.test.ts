// The UAPI server driven by the stock wg(8) tool, as users and wg-quick drive wireguard-go.
import test, { type ExecutionContext } from 'ava';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { x25519 } from '@noble/curves/ed25519.js';
import { applyDeviceChange, EMPTY_DEVICE_CONFIG, snapshotOf, type DeviceConfig } from '../engine/device-config.js';
import { type DeviceChange, type UapiDevice, UapiErrno, UapiError } from '../engine/device-change.js';
import { UAPI_SOCKET_DIR, UapiServer } from './uapi-server.js';

const run = promisify(execFile);
const haveWg = fs.existsSync('/usr/bin/wg') && process.getuid?.() === 0;

/** The real configuration logic behind a socket, without a data path: enough for the control plane. */
class ConfigOnlyDevice implements UapiDevice {
  config: DeviceConfig = EMPTY_DEVICE_CONFIG;
  refusePort: number | null = null;
  snapshot() {
    return snapshotOf(this.config, () => undefined);
  }
  apply(change: DeviceChange): Promise<void> {
    const next = applyDeviceChange(this.config, change, (key) => x25519.getPublicKey(key));
    if (this.refusePort !== null && next.listenPort === this.refusePort) {
      return Promise.reject(new UapiError(UapiErrno.portInUse, 'port in use'));
    }
    this.config = next;
    return Promise.resolve();
  }
}

async function start(t: ExecutionContext) {
  const name = `bt${randomBytes(4).toString('hex')}`;
  const device = new ConfigOnlyDevice();
  const server = await UapiServer.listen(UapiServer.socketPathFor(name), device, { warn: () => undefined });
  t.teardown(() => server.close());
  return { name, device, server };
}

/** Sends raw text and collects `replies` complete replies (each ends in `errno=N\n\n`), or whatever came before close. */
function rawRequest(socketPath: string, text: string, replies = 1): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(socketPath);
    let reply = '';
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (reply.endsWith('\n\n') && reply.split('errno=').length - 1 >= replies) {
        socket.end();
        resolve(reply);
      }
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(reply));
    socket.write(text);
  });
}

const wgTest = haveWg ? test.serial : test.skip;

wgTest('wg set, wg show and wg showconf work on our socket unchanged', async (t) => {
  const { name, server } = await start(t);
  t.is(
    fs.statSync(server.socketPath).mode & 0o077,
    0,
    'only root may talk to the socket: get=1 returns the private key',
  );
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'burrow-uapi-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const keyFile = path.join(dir, 'key');
  const { stdout: privateKey } = await run('wg', ['genkey']);
  fs.writeFileSync(keyFile, privateKey, { mode: 0o600 });
  const { stdout: peerKey } = await run('wg', ['genkey']);
  const peerPublicKey = Buffer.from(x25519.getPublicKey(Buffer.from(peerKey.trim(), 'base64'))).toString('base64');

  await run('wg', ['set', name, 'listen-port', '51999', 'fwmark', '0x33', 'private-key', keyFile]);
  await run('wg', [
    'set',
    name,
    'peer',
    peerPublicKey,
    'endpoint',
    '192.0.2.10:51820',
    'persistent-keepalive',
    '25',
    'allowed-ips',
    '10.8.0.0/24,fd08::/64',
  ]);
  const { stdout: dump } = await run('wg', ['show', name, 'dump']);
  const [iface, peer] = dump
    .trim()
    .split('\n')
    .map((line) => line.split('\t'));
  t.is(iface?.[0], privateKey.trim());
  t.is(iface?.[2], '51999');
  t.is(iface?.[3], '0x33');
  t.deepEqual(peer?.slice(0, 5), [peerPublicKey, '(none)', '192.0.2.10:51820', '10.8.0.0/24,fd08::/64', '0']);
  t.is(peer?.[7], '25');

  const { stdout: conf } = await run('wg', ['showconf', name]);
  t.regex(conf, /ListenPort = 51999/);
  t.regex(conf, /AllowedIPs = 10\.8\.0\.0\/24, fd08::\/64/);

  await run('wg', ['set', name, 'peer', peerPublicKey, 'remove']);
  const { stdout: peers } = await run('wg', ['show', name, 'peers']);
  t.is(peers.trim(), '');
});

wgTest('a malformed set gets errno=-22 and changes nothing', async (t) => {
  const { device, server } = await start(t);
  const ok = await rawRequest(server.socketPath, `set=1\nlisten_port=1000\n\n`);
  t.is(ok, 'errno=0\n\n');
  const bad = await rawRequest(
    server.socketPath,
    `set=1\nlisten_port=2000\npublic_key=${'1'.repeat(64)}\nallowed_ip=300.0.0.0/8\n\n`,
  );
  t.is(bad, 'errno=-22\n\n');
  t.is(device.config.listenPort, 1000);
  t.is(device.config.peers.size, 0);
});

wgTest('a set the device cannot carry out reports its errno and keeps the old state', async (t) => {
  const { device, server } = await start(t);
  device.refusePort = 53;
  const reply = await rawRequest(server.socketPath, 'set=1\nlisten_port=53\n\n');
  t.is(reply, 'errno=-98\n\n');
  t.is(device.config.listenPort, 0);
});

wgTest('several requests on one connection are answered in order; junk closes it', async (t) => {
  const { server } = await start(t);
  const replies = await rawRequest(server.socketPath, 'set=1\nlisten_port=7\n\nget=1\n\n', 2);
  t.is(replies, 'errno=0\n\nlisten_port=7\nerrno=0\n\n');
  t.is(await rawRequest(server.socketPath, 'hello\n\n'), '');
});

wgTest('a second server on the same name is refused; a stale socket file is replaced', async (t) => {
  const { name } = await start(t);
  const socketPath = UapiServer.socketPathFor(name);
  await t.throwsAsync(UapiServer.listen(socketPath, new ConfigOnlyDevice(), { warn: () => undefined }), {
    message: /in use/,
  });
  const stale = UapiServer.socketPathFor(`${name}s`);
  fs.mkdirSync(UAPI_SOCKET_DIR, { recursive: true });
  fs.writeFileSync(stale, '');
  const server = await UapiServer.listen(stale, new ConfigOnlyDevice(), { warn: () => undefined });
  await server.close();
  t.false(fs.existsSync(stale));
});
