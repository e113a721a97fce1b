// The lab's Internet web server: `GET /` answers with the client's source address as plain text, which is how a
// test tells a request that went through the tunnel (the VPN server's address) from one that leaked (the router's
// WAN address, or a LAN device's own). Run inside the internet namespace:
//
//   node whoami-server.js ADDRESS... [--port N]
//
// It prints "listening on ADDRESS:PORT" once per address, and one line per request.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { isIP } from 'node:net';

const DEFAULT_PORT = 80;

function parseArguments(args: readonly string[]): { addresses: string[]; port: number } {
  const addresses: string[] = [];
  let port = DEFAULT_PORT;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--port') {
      port = Number(args[++i]);
      if (!Number.isInteger(port) || port < 1 || port > 65535) {
        throw new Error('--port needs a number from 1 to 65535');
      }
    } else if (isIP(arg) !== 0) {
      addresses.push(arg);
    } else {
      throw new Error(`Not an IP address: ${JSON.stringify(arg)}`);
    }
  }
  if (addresses.length === 0) {
    throw new Error('usage: whoami-server ADDRESS... [--port N]');
  }
  return { addresses, port };
}

/** The peer's address as people write it: an IPv4 client of a dual-stack socket without its ::ffff: prefix. */
export function clientAddress(request: IncomingMessage): string {
  const address = request.socket.remoteAddress ?? '';
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

function answer(request: IncomingMessage, response: ServerResponse): void {
  const client = clientAddress(request);
  console.log(`${client} ${request.method ?? '?'} ${request.url ?? '?'}`);
  const [status, body] =
    request.url !== '/' ? [404, 'not found\n'] : request.method !== 'GET' ? [405, 'only GET\n'] : [200, `${client}\n`];
  response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
  response.end(body);
}

function main(): void {
  const { addresses, port } = parseArguments(process.argv.slice(2));
  addresses.forEach((address) => {
    const server = createServer(answer);
    server.on('error', (error) => {
      console.error(`whoami-server on ${address}:${port}: ${error.message}`);
      process.exit(1);
    });
    server.listen({ host: address, port, ipv6Only: isIP(address) === 6 }, () =>
      console.log(`listening on ${address}:${port}`),
    );
  });
  // Open connections must not hold a stopping lab up.
  const stop = () => process.exit(0);
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

try {
  main();
} catch (error) {
  console.error(`whoami-server: ${(error as Error).message}`);
  process.exit(2);
}
