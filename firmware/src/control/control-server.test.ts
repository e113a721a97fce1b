import test, { type ExecutionContext } from 'ava';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { controlRequest } from './control-client.js';
import { ControlError, type ControlHandlers, ControlServer } from './control-server.js';

const run = promisify(execFile);
const NOBODY = 65534;
const isRoot = process.getuid?.() === 0;

const handlers: ControlHandlers = {
  ping: () => Promise.resolve('pong'),
  status: () => Promise.resolve({ tunnel: 'up' }),
  selfTest: () => Promise.reject(new Error('the self-test could not run')),
  apply: (params) =>
    (params as { good?: boolean } | undefined)?.good
      ? Promise.resolve({ generation: 1 })
      : Promise.reject(new ControlError('the desired state is invalid', ['wan.interface: required'])),
};

async function start(t: ExecutionContext, allowedUids: number[] = []) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'burrow-control-'));
  fs.chmodSync(dir, 0o755);
  const socketPath = path.join(dir, 'burrowd.sock');
  const server = await ControlServer.listen({ socketPath, allowedUids, log: { warn: () => undefined } }, handlers);
  t.teardown(async () => {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return socketPath;
}

/** Asks for ping as another user, from a child process; returns what it printed. */
async function pingAs(uid: number, socketPath: string): Promise<string> {
  const script = `const n=require('node:net');const s=n.connect(${JSON.stringify(socketPath)});let d='';
s.on('data',c=>{d+=c;if(d.includes('\\n'))s.end();});s.on('close',()=>console.log(d.trim()||'closed'));s.on('error',()=>{});
s.write(JSON.stringify({id:7,method:'ping'})+'\\n');`;
  const { stdout } = await run(process.execPath, ['-e', script], { uid, gid: uid });
  return stdout.trim();
}

test('answers each method with its result or its error and details', async (t) => {
  const socketPath = await start(t);
  t.deepEqual(await controlRequest(socketPath, 'ping'), { ok: true, result: 'pong' });
  t.deepEqual(await controlRequest(socketPath, 'apply', { good: true }), { ok: true, result: { generation: 1 } });
  t.deepEqual(await controlRequest(socketPath, 'apply', {}), {
    ok: false,
    error: 'the desired state is invalid',
    details: ['wan.interface: required'],
  });
  t.deepEqual(await controlRequest(socketPath, 'selfTest'), {
    ok: false,
    error: 'the self-test could not run',
    details: [],
  });
});

test('the socket file is not world-accessible', async (t) => {
  const socketPath = await start(t);
  t.is(fs.statSync(socketPath).mode & 0o007, 0);
});

const asRoot = isRoot ? test : test.skip;

asRoot(
  'a user who is not allowed is disconnected before anything is read, even if the file is open to all',
  async (t) => {
    const socketPath = await start(t);
    fs.chmodSync(socketPath, 0o666);
    t.is(await pingAs(NOBODY, socketPath), 'closed');
  },
);

asRoot('the API user that is allowed gets answers', async (t) => {
  const socketPath = await start(t, [NOBODY]);
  fs.chmodSync(socketPath, 0o666);
  t.deepEqual(JSON.parse(await pingAs(NOBODY, socketPath)), { id: 7, ok: true, result: 'pong' });
});

test('malformed lines and unknown methods get an error, and the connection keeps working', async (t) => {
  const socketPath = await start(t);
  const net = await import('node:net');
  const replies = await new Promise<string[]>((resolve, reject) => {
    const socket = net.connect(socketPath);
    let data = '';
    socket.on('data', (chunk) => {
      data += chunk.toString();
      const lines = data.trim().split('\n');
      if (lines.length === 3) {
        socket.end();
        resolve(lines);
      }
    });
    socket.on('error', reject);
    socket.write('{not json\n{"id":2,"method":"reboot"}\n{"id":3,"method":"ping"}\n');
  });
  t.deepEqual(
    replies.map((line) => JSON.parse(line) as unknown),
    [
      { id: null, ok: false, error: 'the request is not JSON' },
      { id: 2, ok: false, error: 'unknown method "reboot"' },
      { id: 3, ok: true, result: 'pong' },
    ],
  );
});
