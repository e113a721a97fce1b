// The router's web page inside the lab. On a device the API listens on ports 80 and 443 of every address of the
// router; under `make run` it listens on this machine's loopback, which no namespace can reach. The relay closes
// the gap with two halves joined by Unix sockets (the filesystem is shared across network namespaces):
//
//   LAN device ──TCP──▶ router namespace: `node web-relay.js` on [::]:80 and [::]:443 (every address, both
//                       families, as the API would on a device)
//                          └──Unix socket (run directory)──▶ this machine: RouterWebRelay ──TCP──▶ 127.0.0.1:API
//
// Bytes pass untouched, so TLS (and its SNI) goes end to end between the device and the API. Whether the WAN
// reaches these ports is the router's firewall's business (burrowd's nftables), exactly as on a device: the relay
// listens on every address on purpose. The API sees connections from 127.0.0.1, not the device's address.
//
//   node web-relay.js PORT=SOCKET [PORT=SOCKET …]     (run inside the router namespace)
import { rm } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Household } from './household.js';
import { type LabProcess } from './lab-process.js';

const RELAY_PATH = fileURLToPath(new URL('./web-relay.js', import.meta.url));
const READY_TIMEOUT_MS = 10_000;

/** The API's ports on this machine's loopback, which the router's 80 and 443 lead to. */
export interface WebTargets {
  readonly httpPort: number;
  readonly httpsPort: number;
  /** Default 127.0.0.1. */
  readonly host?: string;
}

/** Both halves: started together, stopped together (the router's half also stops with the lab). */
export class RouterWebRelay {
  private constructor(
    private readonly servers: readonly Server[],
    readonly routerSide: LabProcess,
  ) {}

  static async start(lab: Household, targets: WebTargets): Promise<RouterWebRelay> {
    const host = targets.host ?? '127.0.0.1';
    const routes = [
      { port: 80, socket: join(lab.runDir, 'web-relay-80.sock'), target: targets.httpPort },
      { port: 443, socket: join(lab.runDir, 'web-relay-443.sock'), target: targets.httpsPort },
    ];
    const servers: Server[] = [];
    try {
      for (const route of routes) {
        servers.push(await listenOnUnixSocket(route.socket, () => connect(route.target, host)));
      }
      const routerSide = lab.startProcess(lab.record.namespaces.router, 'web-relay', [
        process.execPath,
        RELAY_PATH,
        ...routes.map((route) => `${route.port}=${route.socket}`),
      ]);
      await routerSide.waitFor('listen on ports 80 and 443', READY_TIMEOUT_MS, async () =>
        ((await routerSide.readLog()).match(/^listening on /gm) ?? []).length >= routes.length ? true : undefined,
      );
      return new RouterWebRelay(servers, routerSide);
    } catch (error) {
      await Promise.all(servers.map(closeServer));
      throw error;
    }
  }

  async stop(): Promise<void> {
    await this.routerSide.stop();
    await Promise.all(this.servers.map(closeServer));
  }
}

/** Joins two streams both ways; either side ending or failing ends the other. */
export function splice(a: Socket, b: Socket): void {
  a.pipe(b);
  b.pipe(a);
  const close = () => {
    a.destroy();
    b.destroy();
  };
  a.once('error', close).once('close', close);
  b.once('error', close).once('close', close);
}

async function listenOnUnixSocket(path: string, open: () => Socket): Promise<Server> {
  await rm(path, { force: true });
  const server = createServer((client) => splice(client, open()));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ path, readableAll: false, writableAll: false }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** The router's half: one TCP listener per PORT=SOCKET argument, on every address of the namespace. */
function main(args: readonly string[]): void {
  const routes = args.map((arg) => {
    const match = /^(\d{1,5})=(\/.+)$/.exec(arg);
    if (!match) {
      throw new Error(`usage: web-relay PORT=SOCKET …, got ${JSON.stringify(arg)}`);
    }
    return { port: Number(match[1]), socket: match[2]! };
  });
  if (routes.length === 0) {
    throw new Error('usage: web-relay PORT=SOCKET …');
  }
  for (const { port, socket } of routes) {
    const server = createServer((client) => splice(client, connect(socket)));
    server.on('error', (error) => {
      console.error(`web-relay: port ${port}: ${error.message}`);
      process.exit(1);
    });
    // "::" with IPv6-only off: every IPv4 and IPv6 address of the router, as a device's API listens.
    server.listen({ port, host: '::', ipv6Only: false }, () => console.log(`listening on [::]:${port} → ${socket}`));
  }
  const stop = () => process.exit(0);
  process.once('SIGTERM', stop).once('SIGINT', stop);
}

if (process.argv[1] === RELAY_PATH) {
  main(process.argv.slice(2));
}
