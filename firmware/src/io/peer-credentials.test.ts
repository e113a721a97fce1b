import test from 'ava';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { peerCredentials, type PeerCredentials } from './peer-credentials.js';

test('reports the pid, uid and gid of the process that connected', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'burrow-peercred-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const socketPath = path.join(dir, 'control.sock');
  const seen = new Promise<PeerCredentials>((resolve, reject) => {
    const server = net.createServer((socket) => {
      try {
        resolve(peerCredentials(socket));
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
      socket.destroy();
      server.close();
    });
    server.listen(socketPath, () => net.connect(socketPath).on('error', () => undefined));
  });
  t.deepEqual(await seen, { pid: process.pid, uid: process.getuid!(), gid: process.getgid!() });
});

test('a socket that is not connected is refused with a clear error', (t) => {
  t.throws(() => peerCredentials(new net.Socket()), { message: /connected Unix socket/ });
});
