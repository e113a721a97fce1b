// The UAPI socket of one interface: /var/run/wireguard/IFNAME.sock, a Unix stream socket that wg(8) talks to.
// Requests are `get=1\n\n` or `set=1\n` + key=value lines + `\n`; each gets a reply ending in `errno=N\n\n`.
// Several requests may share one connection. Anything that is not a request closes the connection, as wireguard-go does.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { type UapiDevice, UapiErrno, UapiError } from '../engine/device-change.js';
import { parseSetRequest, renderGetReply } from './uapi-protocol.js';

export const UAPI_SOCKET_DIR = '/var/run/wireguard';

export interface UapiLog {
  warn(message: string): void;
}

/** A `wg setconf` with thousands of allowed IPs stays far below these; anything larger is hostile or broken. */
const MAX_LINE_BYTES = 4096;
const MAX_REQUEST_BYTES = 4 * 1024 * 1024;
const IDLE_TIMEOUT_MS = 30_000;

type Reply = { kind: 'reply'; text: string } | { kind: 'close' };

export class UapiServer {
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();

  private constructor(
    readonly socketPath: string,
    private readonly device: UapiDevice,
    private readonly log: UapiLog,
  ) {
    this.server = net.createServer((socket) => this.serve(socket));
  }

  static socketPathFor(interfaceName: string, directory = UAPI_SOCKET_DIR): string {
    return path.join(directory, `${interfaceName}.sock`);
  }

  /** Listens on the socket path; refuses when another live process already serves it. */
  static async listen(socketPath: string, device: UapiDevice, log: UapiLog): Promise<UapiServer> {
    fs.mkdirSync(path.dirname(socketPath), { recursive: true, mode: 0o755 });
    await removeStaleSocket(socketPath);
    const uapi = new UapiServer(socketPath, device, log);
    // The reply to get=1 holds the private key: the socket must be created 0600, with no window where it is not.
    const previousUmask = process.umask(0o077);
    try {
      await new Promise<void>((resolve, reject) => {
        uapi.server.once('error', reject);
        uapi.server.listen(socketPath, () => {
          uapi.server.off('error', reject);
          resolve();
        });
      });
    } finally {
      process.umask(previousUmask);
    }
    return uapi;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) {
      socket.destroy();
    }
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    fs.rmSync(this.socketPath, { force: true });
  }

  private serve(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.setTimeout(IDLE_TIMEOUT_MS, () => socket.destroy());
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());

    let pending = '';
    let lines: string[] = [];
    let requestBytes = 0;
    let busy: Promise<void> = Promise.resolve();

    socket.on('data', (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      requestBytes += chunk.length;
      if (requestBytes > MAX_REQUEST_BYTES) {
        this.log.warn('uapi: request too large, closing the connection');
        socket.destroy();
        return;
      }
      let newline: number;
      while ((newline = pending.indexOf('\n')) !== -1) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        if (line !== '') {
          lines.push(line);
          continue;
        }
        const request = lines;
        lines = [];
        requestBytes = pending.length;
        // Requests on one connection are answered in order, one at a time.
        busy = busy.then(() => this.answer(socket, request));
      }
      if (pending.length > MAX_LINE_BYTES) {
        this.log.warn('uapi: line too long, closing the connection');
        socket.destroy();
      }
    });
  }

  private async answer(socket: net.Socket, request: string[]): Promise<void> {
    if (socket.destroyed) {
      return;
    }
    const reply = await this.handle(request);
    if (reply.kind === 'close') {
      socket.destroy();
    } else {
      socket.write(reply.text);
    }
  }

  private async handle(request: string[]): Promise<Reply> {
    const [operation, ...body] = request;
    if (operation === 'get=1') {
      if (body.length > 0) {
        return { kind: 'reply', text: `errno=${UapiErrno.invalid}\n\n` };
      }
      return { kind: 'reply', text: `${renderGetReply(this.device.snapshot())}errno=0\n\n` };
    }
    if (operation !== 'set=1') {
      return { kind: 'close' };
    }
    try {
      await this.device.apply(parseSetRequest(body));
      return { kind: 'reply', text: 'errno=0\n\n' };
    } catch (error) {
      const errno = error instanceof UapiError ? error.errno : UapiErrno.unknown;
      this.log.warn(`uapi: set refused (errno ${errno}): ${error instanceof Error ? error.message : String(error)}`);
      return { kind: 'reply', text: `errno=${errno}\n\n` };
    }
  }
}

/** A socket file left by a process that died is removed; one that still answers means the name is taken. */
async function removeStaleSocket(socketPath: string): Promise<void> {
  if (!fs.existsSync(socketPath)) {
    return;
  }
  const alive = await new Promise<boolean>((resolve) => {
    const probe = net.connect(socketPath);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
  if (alive) {
    throw new Error(`${socketPath} is in use by another running interface`);
  }
  fs.rmSync(socketPath, { force: true });
}
