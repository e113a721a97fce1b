// burrowd's control socket, the only door from the API (and the recovery console) into the privileged side. One
// JSON object per line:
//   request   {"id": 1, "method": "apply" | "status" | "selfTest" | "exitCheck" | "ping" | "disarm" | "rearm"
//                       | "factoryReset" | "handshake", "params": …}
//   response  {"id": 1, "ok": true, "result": …} | {"id": 1, "ok": false, "error": "…", "details": […]}
// The recovery console's methods:
//   disarm {minutes: 1–60} (or {seconds: 1–3600}, for tests and diagnostics) → {disarmedUntil: ISO time}: the LAN
//          may use the WAN directly until then, as with `killSwitch: false`; burrowd re-arms by itself at the time,
//          across restarts of anything. Refused while no desired state is in force.
//   rearm {} → {rearmed: boolean} (false when it was armed already)
//   factoryReset {} → {}: the saved desired state (keys and all), the DHCP leases and any disarm are forgotten and
//          the first-boot state applied (forwarding blocked, no tunnel) until the next apply
//   handshake {} → {ok: true, profile, endpoint, latencyMs} | {ok: false, profile, error}: a fresh handshake now
//          with the first server of the profile that carries traffic, waited for up to 5 s
// `status` reports the disarm as `killSwitchState: {armed, disarmedUntil, events}` next to `killSwitch` (boolean).
// Only root and the API's service user may talk to it: the kernel's record of who connected (SO_PEERCRED)
// decides, not file permissions alone. Anyone else is disconnected before a byte is read.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { peerCredentials } from '../io/peer-credentials.js';

export type ControlMethod =
  'apply' | 'status' | 'selfTest' | 'exitCheck' | 'ping' | 'disarm' | 'rearm' | 'factoryReset' | 'handshake';

/** Methods a server may leave out (a test's stand-in, say); it answers them as unknown. */
type OptionalMethod = 'exitCheck' | 'disarm' | 'rearm' | 'factoryReset' | 'handshake';

type ControlHandler = (params: unknown) => Promise<unknown>;

/**
 * What each method does; a handler throws ControlError (or any Error) to answer ok:false. The optional ones
 * (`exitCheck` and the recovery console's) may be left out: a server without one answers it as an unknown method.
 */
export type ControlHandlers = Record<Exclude<ControlMethod, OptionalMethod>, ControlHandler> &
  Partial<Record<OptionalMethod, ControlHandler>>;

export class ControlError extends Error {
  constructor(
    message: string,
    readonly details: string[] = [],
  ) {
    super(message);
    this.name = 'ControlError';
  }
}

export interface ControlServerOptions {
  readonly socketPath: string;
  /** User ids allowed besides root (the API's service user). */
  readonly allowedUids: readonly number[];
  /** Group that owns the socket file, so the API's user can open it (it is checked again by SO_PEERCRED). */
  readonly socketGid?: number;
  readonly log: { warn(message: string): void };
}

const MAX_REQUEST_BYTES = 1024 * 1024;
const METHODS = new Set<string>([
  'apply',
  'status',
  'selfTest',
  'exitCheck',
  'ping',
  'disarm',
  'rearm',
  'factoryReset',
  'handshake',
]);

export class ControlServer {
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();

  private constructor(
    private readonly options: ControlServerOptions,
    private readonly handlers: ControlHandlers,
  ) {
    this.server = net.createServer((socket) => this.accept(socket));
  }

  static async listen(options: ControlServerOptions, handlers: ControlHandlers): Promise<ControlServer> {
    fs.mkdirSync(path.dirname(options.socketPath), { recursive: true, mode: 0o750 });
    fs.rmSync(options.socketPath, { force: true });
    const control = new ControlServer(options, handlers);
    const previousUmask = process.umask(0o117);
    try {
      await new Promise<void>((resolve, reject) => {
        control.server.once('error', reject);
        control.server.listen(options.socketPath, () => resolve());
      });
    } finally {
      process.umask(previousUmask);
    }
    if (options.socketGid !== undefined) {
      fs.chownSync(options.socketPath, 0, options.socketGid);
    }
    return control;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) {
      socket.destroy();
    }
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    fs.rmSync(this.options.socketPath, { force: true });
  }

  private accept(socket: net.Socket): void {
    let uid: number;
    try {
      uid = peerCredentials(socket).uid;
    } catch (error) {
      this.options.log.warn(`control: cannot tell who connected (${(error as Error).message}); refused`);
      socket.destroy();
      return;
    }
    if (uid !== 0 && !this.options.allowedUids.includes(uid)) {
      this.options.log.warn(`control: uid ${uid} is not allowed; refused`);
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let buffered = '';
    let queue: Promise<void> = Promise.resolve();
    socket.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      let newline: number;
      while ((newline = buffered.indexOf('\n')) !== -1) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        queue = queue.then(() => this.answer(socket, line));
      }
      if (buffered.length > MAX_REQUEST_BYTES) {
        socket.end(`${JSON.stringify({ id: null, ok: false, error: 'request too large' })}\n`);
        socket.destroy();
      }
    });
  }

  private async answer(socket: net.Socket, line: string): Promise<void> {
    const response = await this.handle(line);
    if (!socket.destroyed) {
      socket.write(`${JSON.stringify(response)}\n`);
    }
  }

  private async handle(line: string): Promise<Record<string, unknown>> {
    let request: unknown;
    try {
      request = JSON.parse(line);
    } catch {
      return { id: null, ok: false, error: 'the request is not JSON' };
    }
    const {
      id = null,
      method,
      params,
    } = (typeof request === 'object' && request !== null ? request : {}) as Record<string, unknown>;
    const handler =
      typeof method === 'string' && METHODS.has(method) ? this.handlers[method as ControlMethod] : undefined;
    if (handler === undefined) {
      return { id, ok: false, error: `unknown method ${JSON.stringify(method)}` };
    }
    try {
      return { id, ok: true, result: await handler(params) };
    } catch (error) {
      const details = error instanceof ControlError ? error.details : [];
      return { id, ok: false, error: (error as Error).message, details };
    }
  }
}
