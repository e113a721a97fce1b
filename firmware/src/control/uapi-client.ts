// The client side of the UAPI: how burrowd configures and reads the engine (burrow-wg or wireguard-go) through
// /var/run/wireguard/IFNAME.sock, exactly as wg(8) does.
import net from 'node:net';
import { UapiErrno, UapiError, type DeviceChange } from '../engine/device-change.js';
import { renderSetRequest } from './uapi-protocol.js';

const REQUEST_TIMEOUT_MS = 5_000;

/** Sends one request and resolves with the reply text up to and including `errno=N\n\n`. */
function request(socketPath: string, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(socketPath);
    let reply = '';
    const fail = (error: Error) => {
      socket.destroy();
      reject(error);
    };
    socket.setTimeout(REQUEST_TIMEOUT_MS, () =>
      fail(new Error(`no UAPI reply from ${socketPath} in ${REQUEST_TIMEOUT_MS} ms`)),
    );
    socket.on('error', fail);
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString('utf8');
      if (/(^|\n)errno=-?\d+\n\n$/.test(reply)) {
        socket.end();
        resolve(reply);
      }
    });
    socket.on('close', () => fail(new Error(`the UAPI socket ${socketPath} closed without a complete reply`)));
    socket.write(text);
  });
}

function errnoOf(reply: string): number {
  const match = /(?:^|\n)errno=(-?\d+)\n\n$/.exec(reply);
  return match ? Number(match[1]) : UapiErrno.protocol;
}

/** Applies a change; throws UapiError with the engine's errno when it refuses. */
export async function uapiSet(socketPath: string, change: DeviceChange): Promise<void> {
  const errno = errnoOf(await request(socketPath, renderSetRequest(change)));
  if (errno !== 0) {
    throw new UapiError(errno as UapiError['errno'], `the engine refused the configuration (errno ${errno})`);
  }
}

/** Reads the interface as `get=1` reports it: key=value pairs in order (peers follow their public_key line). */
export async function uapiGet(socketPath: string): Promise<Array<[string, string]>> {
  const reply = await request(socketPath, 'get=1\n\n');
  const errno = errnoOf(reply);
  if (errno !== 0) {
    throw new UapiError(errno as UapiError['errno'], `the engine refused get (errno ${errno})`);
  }
  return reply
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('errno='))
    .map((line) => {
      const eq = line.indexOf('=');
      return [line.slice(0, eq), line.slice(eq + 1)] as [string, string];
    });
}

/** Whether something answers on the socket (the engine has started and serves its UAPI). */
export async function uapiAnswers(socketPath: string): Promise<boolean> {
  try {
    await request(socketPath, 'get=1\n\n');
    return true;
  } catch {
    return false;
  }
}
