import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readlinkSync } from 'node:fs';
import test, { type ExecutionContext } from 'ava';
import { UdpBind } from './bind.udp.js';
import { Endpoint } from './endpoint.js';
import { IoError } from './errors.js';
import { PacketList } from './packets.js';
import { collectDatagrams, collectPackets } from './testing/collect.js';
import {
  PROTOCOL_ICMP,
  PROTOCOL_TCP,
  PROTOCOL_UDP,
  TCP_ACK,
  TCP_SYN,
  ipv4EchoRequest,
  ipv4Tcp,
  ipv4Udp,
  readIpv4,
  readTcp,
  readUdp,
} from './testing/ip-packets.js';
import { createTestNetns, ip, kernelTestsUnavailable, testInterfaceName, type TestNetns } from './testing/netns.js';
import { LinuxTun, checkInterfaceName } from './tun.linux.js';
import { TUN_HEADROOM, TUN_TAILROOM } from './tun.js';

const noKernel = kernelTestsUnavailable();
const kernelTest = noKernel === undefined ? test : test.skip;
const title = (text: string): string => (noKernel === undefined ? text : `${text} (skipped: ${noKernel})`);

// The TUN's side of a /24 in the test namespace; PEER is any other address on it, routed into the TUN.
const LOCAL = '10.201.0.1';
const PEER = '10.201.0.2';

/** A namespace holding an up TUN with LOCAL/24, both removed when the test ends. */
async function tunInNamespace(t: ExecutionContext): Promise<{ ns: TestNetns; tun: LinuxTun }> {
  const ns = await createTestNetns(t);
  const tun = LinuxTun.open({ name: testInterfaceName(), netns: ns.path });
  t.teardown(() => tun.close());
  await ns.ip('addr', 'add', `${LOCAL}/24`, 'dev', tun.name);
  await ns.ip('link', 'set', tun.name, 'up');
  return { ns, tun };
}

function socketIn(t: ExecutionContext, ns: TestNetns): UdpBind {
  const bind = new UdpBind({ netns: ns.path });
  t.teardown(() => bind.close());
  bind.open(0);
  return bind;
}

kernelTest(title('the device is created in the given namespace and this thread stays where it was'), async (t) => {
  const before = readlinkSync('/proc/thread-self/ns/net');
  const ns = await createTestNetns(t);
  const tun = LinuxTun.open({ name: testInterfaceName(), netns: ns.path });
  t.teardown(() => tun.close());

  t.is(readlinkSync('/proc/thread-self/ns/net'), before);
  t.regex(await ns.ip('link', 'show', tun.name), new RegExp(`^${tun.ifindex}: ${tun.name}:`));
  await t.throwsAsync(ip('link', 'show', tun.name), { message: /does not exist/ });
  t.is(tun.mtu, 1500);
  await ns.ip('link', 'set', tun.name, 'mtu', '1420');
  t.is(tun.mtu, 1420);
});

kernelTest(title('close removes the interface'), async (t) => {
  const ns = await createTestNetns(t);
  const tun = LinuxTun.open({ name: testInterfaceName(), netns: ns.path });
  t.teardown(() => tun.close());
  await ns.ip('link', 'show', tun.name);
  tun.close();
  await t.throwsAsync(ns.ip('link', 'show', tun.name), { message: /does not exist/ });
  t.is(t.throws(() => tun.writePackets(PacketList.of([new Uint8Array(20)])), { instanceOf: IoError })?.code, 'EBADF');
});

kernelTest(title('a datagram routed into the TUN arrives in JS as a batch with headroom and tailroom'), async (t) => {
  const { ns, tun } = await tunInNamespace(t);
  const sender = socketIn(t, ns);
  const payload = randomBytes(1372);
  const wanted = collectPackets(tun, (packet) => readIpv4(packet)?.protocol === PROTOCOL_UDP);

  sender.send(PacketList.of([payload]), Endpoint.of(PEER, 9999));

  const [packet] = await wanted.until(1);
  const ipv4 = readIpv4(packet ?? new Uint8Array(0));
  t.is(ipv4?.source, LOCAL);
  t.is(ipv4?.destination, PEER);
  t.true(ipv4?.headerChecksumValid);
  const udp = readUdp(ipv4?.payload ?? new Uint8Array(8));
  t.is(udp.sourcePort, sender.port ?? -1);
  t.is(udp.destinationPort, 9999);
  t.deepEqual(Buffer.from(udp.data), payload);
});

kernelTest(title('every packet of a read batch has 16 bytes of headroom and 32 of tailroom'), async (t) => {
  const { ns, tun } = await tunInNamespace(t);
  const sender = socketIn(t, ns);
  const layouts: Array<{ offset: number; length: number; slotSize: number }> = [];
  let udpSeen = 0;
  tun.onPackets((batch) => {
    for (let i = 0; i < batch.count; i++) {
      layouts.push({ offset: batch.offsets[i] ?? 0, length: batch.lengths[i] ?? 0, slotSize: batch.slotSize });
      if (readIpv4(batch.packet(i))?.protocol === PROTOCOL_UDP) {
        udpSeen++;
      }
    }
  });
  sender.send(PacketList.of(Array.from({ length: 32 }, () => randomBytes(1420 - 28))), Endpoint.of(PEER, 9999));
  await waitUntil(() => udpSeen >= 32);
  t.true(layouts.length >= 32);
  for (const { offset, length, slotSize } of layouts) {
    t.is((offset - TUN_HEADROOM) % slotSize, 0);
    t.true(offset - TUN_HEADROOM + slotSize >= offset + length + TUN_TAILROOM);
  }
});

kernelTest(title('an ICMP echo request written into the TUN is answered through it'), async (t) => {
  const { tun } = await tunInNamespace(t);
  const replies = collectPackets(tun, (packet) => {
    const ipv4 = readIpv4(packet);
    return ipv4?.protocol === PROTOCOL_ICMP && ipv4.payload[0] === 0; // echo reply
  });
  const payload = randomBytes(56);
  const request = ipv4EchoRequest({ source: PEER, destination: LOCAL, identifier: 0xb0, sequence: 1, payload });

  t.is(tun.writePackets(PacketList.of([request])), 1);

  const [reply] = await replies.until(1);
  const ipv4 = readIpv4(reply ?? new Uint8Array(0));
  t.is(ipv4?.source, LOCAL);
  t.is(ipv4?.destination, PEER);
  t.deepEqual(Buffer.from(ipv4?.payload.subarray(8) ?? []), payload);
});

kernelTest(title('a batch of 64 UDP packets written in one call reaches a kernel socket'), async (t) => {
  const { ns, tun } = await tunInNamespace(t);
  const receiver = socketIn(t, ns);
  const received = collectDatagrams(receiver);
  const payloads = Array.from({ length: 64 }, (_, i) => randomBytes(1 + ((i * 53) % 1392)));
  const packets = payloads.map((payload, i) =>
    ipv4Udp({ source: PEER, destination: LOCAL, sourcePort: 40000 + i, destinationPort: receiver.port ?? 0, payload }),
  );

  t.is(tun.writePackets(PacketList.of(packets)), 64);

  const items = await received.until(64);
  const byPort = new Map(items.map((item) => [item.from.port, item]));
  payloads.forEach((payload, i) => {
    const item = byPort.get(40000 + i);
    t.is(item?.from.address, PEER);
    t.deepEqual(Buffer.from(item?.data ?? []), payload);
  });
});

kernelTest(title('a packet that is not IP is dropped and the rest of the batch still goes'), async (t) => {
  const { ns, tun } = await tunInNamespace(t);
  const receiver = socketIn(t, ns);
  const received = collectDatagrams(receiver);
  const good = ipv4Udp({
    source: PEER,
    destination: LOCAL,
    sourcePort: 5555,
    destinationPort: receiver.port ?? 0,
    payload: Buffer.from('after the bad one'),
  });
  const notIp = new Uint8Array(40); // version nibble 0

  t.is(tun.writePackets(PacketList.of([notIp, good])), 1);
  const [item] = await received.until(1);
  t.is(Buffer.from(item?.data ?? []).toString(), 'after the bad one');
});

kernelTest(title('deleting the interface from outside reports EBADFD and stops reading'), async (t) => {
  const { ns, tun } = await tunInNamespace(t);
  const error = new Promise<IoError>((resolve) => tun.onError(resolve));
  tun.onPackets(() => undefined);

  await ns.ip('link', 'delete', tun.name);

  const failure = await withTimeout(error, 5000);
  t.true(failure instanceof IoError);
  t.is(failure.code, 'EBADFD');
});

kernelTest(title('a name already in use fails with EBUSY, naming the interface'), async (t) => {
  const { ns, tun } = await tunInNamespace(t);
  const error = t.throws(() => LinuxTun.open({ name: tun.name, netns: ns.path }), { instanceOf: IoError });
  t.is(error?.code, 'EBUSY');
  t.regex(error?.message ?? '', new RegExp(`TUNSETIFF ${tun.name}`));
});

test('interface names the kernel would refuse are refused with a clear message', (t) => {
  for (const bad of ['', 'a-name-longer-than-15', 'has space', 'a/b', 'a:b', '.', '..']) {
    t.throws(() => checkInterfaceName(bad), { instanceOf: RangeError, message: /invalid interface name/ }, bad);
  }
  for (const good of ['wg0', 'burrow%d', 'x'.repeat(15)]) {
    t.notThrows(() => checkInterfaceName(good));
  }
});

test('opening in a namespace that does not exist fails with ENOENT', (t) => {
  if (noKernel !== undefined) {
    t.pass(`skipped: ${noKernel}`);
    return;
  }
  const error = t.throws(() => LinuxTun.open({ name: testInterfaceName(), netns: '/run/netns/burrow-io-missing' }), {
    instanceOf: IoError,
  });
  t.is(error?.code, 'ENOENT');
  t.is(error?.syscall, 'setns');
});

async function waitUntil(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error('timed out');
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms)),
  ]);
}

kernelTest(
  title('offloads are on where the kernel takes them, and off when not asked for; both pass packets'),
  async (t) => {
    const { ns, tun } = await tunInNamespace(t);
    t.true(tun.offloads, `the kernel refused offloads: ${tun.offloadRefused ?? ''}`);
    const plain = LinuxTun.open({ name: testInterfaceName(), netns: ns.path, offload: false });
    t.teardown(() => plain.close());
    t.false(plain.offloads);
    t.is(plain.offloadRefused, undefined);
    await ns.ip('addr', 'add', '10.202.0.1/24', 'dev', plain.name);
    await ns.ip('link', 'set', plain.name, 'up');

    for (const [device, destination] of [
      [tun, PEER],
      [plain, '10.202.0.2'],
    ] as const) {
      const sender = socketIn(t, ns);
      const payload = randomBytes(700);
      const wanted = collectPackets(device, (packet) => readIpv4(packet)?.protocol === PROTOCOL_UDP);
      sender.send(PacketList.of([payload]), Endpoint.of(destination, 9999));
      const [packet] = await wanted.until(1);
      t.deepEqual(Buffer.from(readUdp(readIpv4(packet!)!.payload).data), payload);
    }
  },
);

kernelTest(
  title('a TCP stream into an offloading TUN arrives as checksummed, in-order, MSS-sized segments'),
  async (t) => {
    const { ns, tun } = await tunInNamespace(t);
    const port = 5201;
    const mss = 1200;
    const tcpPackets = collectPackets(tun, (packet) => readIpv4(packet)?.protocol === PROTOCOL_TCP);
    const data = randomBytes(60_000); // base64 in argv: under the kernel's 128 KiB per argument
    // A client in the namespace that connects to PEER (this test plays PEER's TCP) and writes `data`.
    const client = spawn(
      'nsenter',
      [
        `--net=${ns.path}`,
        process.execPath,
        '-e',
        `const s = require('node:net').connect(${port}, '${PEER}', () => s.write(Buffer.from('${data.toString('base64')}', 'base64')));
       s.on('error', () => {}); setTimeout(() => process.exit(0), 10000);`,
      ],
      { stdio: 'ignore' },
    );
    t.teardown(() => client.kill());

    const [syn] = await tcpPackets.until(1);
    const client4 = readIpv4(syn!)!;
    const clientSegment = readTcp(client4.payload);
    t.is(clientSegment.flags & TCP_SYN, TCP_SYN);
    const serverSequence = 0x10000000;
    tun.writePackets(
      PacketList.of([
        ipv4Tcp({
          source: PEER,
          destination: LOCAL,
          sourcePort: port,
          destinationPort: clientSegment.sourcePort,
          sequence: serverSequence,
          acknowledgement: (clientSegment.sequence + 1) >>> 0,
          flags: TCP_SYN | TCP_ACK,
          window: 65535,
          mss,
        }),
      ]),
    );

    // The first flight (the initial congestion window) without our acknowledgements: at least 10 segments.
    const items = await tcpPackets.until(1 + 1 + 10); // SYN, the handshake's ACK, then data
    const segments = items
      .map((packet) => readIpv4(packet)!)
      .map((ipv4) => ({ ipv4, tcp: readTcp(ipv4.payload) }))
      .filter(({ tcp }) => tcp.data.length > 0);
    t.true(segments.length >= 10);
    let expected = (clientSegment.sequence + 1) >>> 0;
    for (const { ipv4, tcp } of segments) {
      t.true(ipv4.headerChecksumValid);
      t.true(tcp.checksumValid(ipv4), 'TCP checksum');
      t.true(tcp.data.length <= mss);
      t.is(tcp.sequence, expected, 'in order, no gap');
      expected = (expected + tcp.data.length) >>> 0;
    }
    const received = Buffer.concat(segments.map(({ tcp }) => tcp.data));
    t.deepEqual(received, data.subarray(0, received.length));
    t.true(tun.offloadCounters().superPackets > 0, 'the kernel handed up at least one super-packet');
    t.deepEqual(tun.offloadCounters().drops, {});
  },
);

kernelTest(
  title('a run of TCP segments written to an offloading TUN goes as one super-packet and reaches the socket whole'),
  async (t) => {
    const { ns, tun } = await tunInNamespace(t);
    const port = 5202;
    const data = randomBytes(30 * 1000);
    const tcpPackets = collectPackets(tun, (packet) => readIpv4(packet)?.protocol === PROTOCOL_TCP);
    // A server in the namespace that prints the SHA-256 of the first `data.length` bytes it gets, then exits.
    const server = spawn(
      'nsenter',
      [
        `--net=${ns.path}`,
        process.execPath,
        '-e',
        `const chunks = []; let n = 0;
         require('node:net').createServer((s) => s.on('data', (d) => { chunks.push(d); n += d.length;
           if (n >= ${data.length}) { process.stdout.write(require('node:crypto').createHash('sha256')
             .update(Buffer.concat(chunks)).digest('hex')); process.exit(0); } })).listen(${port}, '${LOCAL}',
           () => process.stdout.write('listening\\n'));
         setTimeout(() => process.exit(1), 10000);`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    t.teardown(() => server.kill());
    let output = '';
    server.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await waitUntil(() => output.includes('listening'));

    const clientPort = 40_001;
    const sequence = 0x20000000;
    const base = { source: PEER, destination: LOCAL, sourcePort: clientPort, destinationPort: port, window: 65535 };
    tun.writePackets(PacketList.of([ipv4Tcp({ ...base, sequence, acknowledgement: 0, flags: TCP_SYN, mss: 1000 })]));
    const [synAck] = await tcpPackets.until(1);
    const serverSequence = readTcp(readIpv4(synAck!)!.payload).sequence;
    const acknowledgement = (serverSequence + 1) >>> 0;
    tun.writePackets(PacketList.of([ipv4Tcp({ ...base, sequence: sequence + 1, acknowledgement, flags: TCP_ACK })]));
    const segments = Array.from({ length: 30 }, (_, i) =>
      ipv4Tcp({
        ...base,
        sequence: (sequence + 1 + i * 1000) >>> 0,
        acknowledgement,
        flags: TCP_ACK,
        data: data.subarray(i * 1000, (i + 1) * 1000),
        id: 0x100 + i,
      }),
    );
    t.is(tun.writePackets(PacketList.of(segments)), 30);
    await withTimeout(new Promise((resolve) => server.on('exit', resolve)), 10_000);
    t.is(output.replace('listening\n', ''), createHash('sha256').update(data).digest('hex'));
    const stats = tun.writeStats();
    t.true(stats.superPackets >= 1, 'at least one super-packet');
    t.true(stats.coalesced >= 30, 'the 30 segments went inside super-packets');
    t.is(stats.coalesceRefused, undefined);
  },
);
