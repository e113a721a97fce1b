import { createServer } from 'node:net';

/**
 * A TCP port that was free on 127.0.0.1 a moment ago: the kernel picks it when we bind to port 0,
 * then we release it for the caller. Another process could take it in between; tests accept that.
 */
export async function findFreePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  if (address === null || typeof address === 'string') {
    throw new Error(`Expected a TCP address from a listening socket, got ${String(address)}`);
  }
  return address.port;
}

/** Two different free ports, such as a server's HTTP and HTTPS ports. */
export async function findTwoFreePorts(): Promise<[number, number]> {
  const first = await findFreePort();
  let second = await findFreePort();
  while (second === first) {
    second = await findFreePort();
  }
  return [first, second];
}
