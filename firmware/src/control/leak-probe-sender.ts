// The leak probe's sender, run inside the probe's namespace by burrowd (leak-probe.ts):
//   node leak-probe-sender.js --to ADDRESS --port N --count N
// sends COUNT small UDP datagrams to ADDRESS:PORT, 50 ms apart (the first waits for ARP), and prints how many the
// kernel took. Whether any left the router is burrowd's count, not this script's.
import { createSocket } from 'node:dgram';
import { isIP } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';

const GAP_MS = 50;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { to: { type: 'string' }, port: { type: 'string' }, count: { type: 'string', default: '5' } },
  });
  const to = values.to ?? '';
  const port = Number(values.port);
  const count = Number(values.count);
  if (isIP(to) !== 4 || !Number.isInteger(port) || port < 1 || port > 65535 || !Number.isInteger(count)) {
    throw new Error('usage: leak-probe-sender --to IPV4 --port N --count N');
  }
  const socket = createSocket('udp4');
  // An ICMP error for an earlier datagram may surface on the socket: the probe goes on, the count is burrowd's.
  socket.on('error', () => undefined);
  let sent = 0;
  for (let index = 0; index < Math.min(count, 100); index++) {
    const ok = await new Promise<boolean>((resolve) =>
      socket.send(Buffer.from('burrow leak probe'), port, to, (error) =>
        resolve(error === null || error === undefined),
      ),
    );
    sent += ok ? 1 : 0;
    await sleep(GAP_MS);
  }
  socket.close();
  process.stdout.write(`${JSON.stringify({ sent })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`leak-probe-sender: ${(error as Error).message}\n`);
  process.exit(2);
});
