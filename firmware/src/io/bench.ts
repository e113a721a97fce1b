/**
 * Throughput check of the native I/O, 1420-byte packets, everything in this one process:
 *
 *   udp        UdpBind → sendmmsg → 127.0.0.1 → recvmmsg → UdpBind
 *   tun read   UdpBind (in a namespace) → kernel routing → TUN → batch read into JS
 *   tun write  JS → TUN batch write → kernel routing → UdpBind (in the namespace)
 *
 * The sender keeps at most WINDOW packets unreceived, so the figure is what the loop sustains,
 * not how fast packets can be thrown away. Needs root for the TUN part (it makes and removes a
 * namespace). Run after `npx tsc -b`:  node firmware/dist/io/bench.js [seconds]
 */
import { UdpBind } from './bind.udp.js';
import { Endpoint } from './endpoint.js';
import { PacketList } from './packets.js';
import { ipv4Udp } from './testing/ip-packets.js';
import { ip, kernelTestsUnavailable } from './testing/netns.js';
import { LinuxTun } from './tun.linux.js';

const PACKET = 1420; // bytes of IP packet
const UDP_PAYLOAD = PACKET - 28; // minus IPv4 and UDP headers
const BATCH = 64;
const WINDOW = 512;

interface Result {
  name: string;
  packets: number;
  seconds: number;
}

/** Sends batches while fewer than WINDOW are outstanding, for `seconds`; `received()` counts arrivals. */
async function pump(name: string, seconds: number, sendBatch: () => number, received: () => number): Promise<Result> {
  const start = performance.now();
  const end = start + seconds * 1000;
  let sent = 0;
  await new Promise<void>((resolve) => {
    const step = (): void => {
      if (performance.now() >= end) {
        resolve();
        return;
      }
      while (sent - received() < WINDOW) {
        const n = sendBatch();
        sent += n;
        if (n < BATCH) {
          break; // the socket buffer is full: let the loop drain it
        }
      }
      setImmediate(step);
    };
    step();
  });
  return { name, packets: received(), seconds: (performance.now() - start) / 1000 };
}

async function udpLoop(seconds: number): Promise<Result> {
  const sender = new UdpBind();
  const receiver = new UdpBind();
  try {
    sender.open(0);
    receiver.open(0);
    let count = 0;
    receiver.onDatagrams((batch) => (count += batch.count));
    const packets = PacketList.of(Array.from({ length: BATCH }, () => new Uint8Array(UDP_PAYLOAD)));
    const to = Endpoint.of('127.0.0.1', receiver.port ?? 0);
    return await pump(
      'udp send+recv (127.0.0.1)',
      seconds,
      () => sender.send(packets, to),
      () => count,
    );
  } finally {
    sender.close();
    receiver.close();
  }
}

async function tunLoops(seconds: number): Promise<Result[]> {
  const ns = `burrow-io-bench-${process.pid}`;
  const netns = `/run/netns/${ns}`;
  await ip('netns', 'add', ns);
  const tun = LinuxTun.open({ name: 'burrowbench0', netns });
  const socket = new UdpBind({ netns });
  try {
    await ip('-n', ns, 'addr', 'add', '10.203.0.1/24', 'dev', tun.name);
    await ip('-n', ns, 'link', 'set', tun.name, 'up');
    socket.open(0);

    let read = 0;
    tun.onPackets((batch) => (read += batch.count));
    const datagrams = PacketList.of(Array.from({ length: BATCH }, () => new Uint8Array(UDP_PAYLOAD)));
    const into = Endpoint.of('10.203.0.2', 9);
    const readResult = await pump(
      'tun read (kernel → TUN → JS)',
      seconds,
      () => socket.send(datagrams, into),
      () => read,
    );

    let delivered = 0;
    socket.onDatagrams((batch) => (delivered += batch.count));
    const packet = ipv4Udp({
      source: '10.203.0.2',
      destination: '10.203.0.1',
      sourcePort: 9,
      destinationPort: socket.port ?? 0,
      payload: new Uint8Array(UDP_PAYLOAD),
    });
    const packets = PacketList.of(Array.from({ length: BATCH }, () => packet));
    const writeResult = await pump(
      'tun write (JS → TUN → kernel)',
      seconds,
      () => tun.writePackets(packets),
      () => delivered,
    );
    return [readResult, writeResult];
  } finally {
    socket.close();
    tun.close();
    await ip('netns', 'delete', ns);
  }
}

function report({ name, packets, seconds }: Result): void {
  const pps = packets / seconds;
  const gbps = (pps * PACKET * 8) / 1e9;
  console.log(
    `${name.padEnd(32)} ${Math.round(pps).toLocaleString('en').padStart(10)} packets/s  ${gbps.toFixed(2)} Gbit/s`,
  );
}

const seconds = Number(process.argv[2] ?? 3);
report(await udpLoop(seconds));
const noKernel = kernelTestsUnavailable();
if (noKernel === undefined) {
  for (const result of await tunLoops(seconds)) {
    report(result);
  }
} else {
  console.log(`tun: skipped (${noKernel})`);
}
