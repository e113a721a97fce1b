import { randomBytes } from 'node:crypto';
import test from 'ava';
import { UdpBind } from './bind.udp.js';
import { Endpoint } from './endpoint.js';
import { IoError } from './errors.js';
import { PacketList } from './packets.js';
import { collectDatagrams } from './testing/collect.js';
import { createTestNetns, kernelTestsUnavailable } from './testing/netns.js';

const noKernel = kernelTestsUnavailable();
const rootTest = noKernel === undefined ? test : test.skip;
const rootTitle = (title: string): string => (noKernel === undefined ? title : `${title} (skipped: ${noKernel})`);

function openBind(t: { teardown(fn: () => void): void }, options?: ConstructorParameters<typeof UdpBind>[0]): UdpBind {
  const bind = new UdpBind(options);
  t.teardown(() => bind.close());
  bind.open(0);
  return bind;
}

/** Lets the event loop go round `count` times, each with a poll phase (where readable sockets are served). */
async function loopTurns(count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** 64 datagrams of different sizes up to 1420 bytes, random contents. */
function datagrams(count = 64): Uint8Array[] {
  return Array.from({ length: count }, (_, i) => randomBytes(i === count - 1 ? 1420 : 1 + ((i * 37) % 1420)));
}

for (const [family, host] of [
  ['IPv4', '127.0.0.1'],
  ['IPv6', '::1'],
] as const) {
  test(`a batch of 64 datagrams sent to itself over ${family} arrives intact with the right source`, async (t) => {
    const bind = openBind(t);
    const received = collectDatagrams(bind);
    const sent = datagrams();
    const self = Endpoint.of(host, bind.port ?? 0);

    t.is(bind.send(PacketList.of(sent), self), 64);

    const items = await received.until(64);
    t.is(items.length, 64);
    t.deepEqual(
      items.map((item) => Buffer.from(item.data).toString('hex')),
      sent.map((data) => Buffer.from(data).toString('hex')),
    );
    t.true(items.every((item) => item.from.equals(self)));
    t.true(received.batches < 64, `64 datagrams took ${received.batches} batches`);
  });
}

test('two binds exchange datagrams and see each other as the source', async (t) => {
  const a = openBind(t);
  const b = openBind(t);
  t.not(a.port, b.port);
  const atB = collectDatagrams(b);
  const atA = collectDatagrams(a);

  a.send(PacketList.of([Buffer.from('ping')]), Endpoint.of('127.0.0.1', b.port ?? 0));
  const [ping] = await atB.until(1);
  t.is(Buffer.from(ping?.data ?? []).toString(), 'ping');
  t.is(ping?.from.toString(), `127.0.0.1:${a.port}`);

  // Reply to the source as received: what the engine does for a roaming peer.
  b.send(PacketList.of([Buffer.from('pong')]), ping?.from ?? Endpoint.parse('127.0.0.1:1'));
  const [pong] = await atA.until(1);
  t.is(Buffer.from(pong?.data ?? []).toString(), 'pong');
  t.is(pong?.from.port, b.port);
});

test('open reports the port it bound; a taken port fails with EADDRINUSE; a closed bind reopens', (t) => {
  const a = openBind(t);
  t.true((a.port ?? 0) > 0);
  t.true(a.dualStack);

  const b = new UdpBind();
  t.teardown(() => b.close());
  const error = t.throws(() => b.open(a.port ?? 0), { instanceOf: IoError });
  t.is(error?.code, 'EADDRINUSE');
  t.is(b.port, undefined);

  const port = a.port ?? 0;
  a.close();
  t.is(a.port, undefined);
  t.is(b.open(port), port);
  t.throws(() => b.open(0), { message: /already open/ });
});

test('send on a closed bind throws EBADF; bad ports and marks are refused before any syscall', (t) => {
  const bind = new UdpBind();
  const error = t.throws(() => bind.send(PacketList.of([new Uint8Array(1)]), Endpoint.parse('127.0.0.1:9')), {
    instanceOf: IoError,
  });
  t.is(error?.code, 'EBADF');
  t.throws(() => bind.open(65536), { instanceOf: RangeError });
  t.throws(() => bind.setMark(-1), { instanceOf: RangeError });
  t.throws(() => bind.setMark(2 ** 32), { instanceOf: RangeError });
});

test('a datagram too large for UDP fails with EMSGSIZE', (t) => {
  const bind = openBind(t);
  const error = t.throws(() => bind.send(PacketList.of([new Uint8Array(65_508)]), Endpoint.of('127.0.0.1', 9)), {
    instanceOf: IoError,
  });
  t.is(error?.code, 'EMSGSIZE');
});

test('sending to a port nobody listens on does not disturb receiving', async (t) => {
  const bind = openBind(t);
  const closed = new UdpBind();
  const closedPort = closed.open(0);
  closed.close();
  const received = collectDatagrams(bind);

  for (let i = 0; i < 5; i++) {
    bind.send(PacketList.of([Buffer.from('nobody')]), Endpoint.of('127.0.0.1', closedPort));
    bind.send(PacketList.of([Buffer.from('nobody')]), Endpoint.of('::1', closedPort));
  }
  bind.send(PacketList.of([Buffer.from('still here')]), Endpoint.of('127.0.0.1', bind.port ?? 0));

  const [item] = await received.until(1);
  t.is(Buffer.from(item?.data ?? []).toString(), 'still here');
});

test('closing inside the handler stops delivery; datagrams left in the socket go with it', async (t) => {
  const bind = openBind(t, { batchSize: 2 });
  let calls = 0;
  const first = new Promise<void>((resolve) =>
    bind.onDatagrams(() => {
      calls++;
      bind.close();
      resolve();
    }),
  );
  const self = Endpoint.of('127.0.0.1', bind.port ?? 0);
  // Eight datagrams in batches of two: more readable events would follow if the socket stayed open.
  bind.send(PacketList.of(datagrams(8)), self);
  await first;
  await loopTurns(5);
  t.is(calls, 1);
  t.is(bind.port, undefined);
  t.throws(() => bind.send(PacketList.of([new Uint8Array(1)]), self), { instanceOf: IoError });
});

test('closing while datagrams wait calls no handler, and the bind reopens fresh', async (t) => {
  const bind = openBind(t);
  const received = collectDatagrams(bind);
  bind.send(PacketList.of(datagrams(4)), Endpoint.of('127.0.0.1', bind.port ?? 0));
  bind.close(); // before the event loop could report the socket readable
  await loopTurns(5);
  t.is(received.batches, 0);

  const port = bind.open(0);
  bind.send(PacketList.of([Buffer.from('again')]), Endpoint.of('127.0.0.1', port));
  const items = await received.until(1);
  t.deepEqual(
    items.map((item) => Buffer.from(item.data).toString()),
    ['again'],
  );
});

test('datagrams wait in the socket until a handler is set', async (t) => {
  const bind = openBind(t);
  bind.send(PacketList.of(datagrams(3)), Endpoint.of('127.0.0.1', bind.port ?? 0));
  await new Promise((resolve) => setTimeout(resolve, 20));
  const received = collectDatagrams(bind);
  t.is((await received.until(3)).length, 3);
});

rootTest(rootTitle('SO_MARK is applied at open, changed while open, cleared by 0, and read back'), (t) => {
  const bind = new UdpBind();
  t.teardown(() => bind.close());
  bind.setMark(0x51820);
  bind.open(0);
  t.is(bind.readMark(), 0x51820);
  bind.setMark(0xca6c);
  t.is(bind.readMark(), 0xca6c);
  bind.setMark(0xffffffff);
  t.is(bind.readMark(), 0xffffffff);
  bind.setMark(0);
  t.is(bind.readMark(), 0);
});

rootTest(rootTitle('a bind created in another namespace lives there'), async (t) => {
  const ns = await createTestNetns(t);
  const inside = openBind(t, { netns: ns.path });
  const here = openBind(t);
  const atInside = collectDatagrams(inside);
  const atHere = collectDatagrams(here);

  // Each namespace has its own loopback: the same address reaches a different socket.
  inside.send(PacketList.of([Buffer.from('inside')]), Endpoint.of('127.0.0.1', inside.port ?? 0));
  here.send(PacketList.of([Buffer.from('here')]), Endpoint.of('127.0.0.1', here.port ?? 0));
  t.is(Buffer.from((await atInside.until(1))[0]?.data ?? []).toString(), 'inside');
  t.is(Buffer.from((await atHere.until(1))[0]?.data ?? []).toString(), 'here');
  // The namespace's ports are its own too.
  const sameInside = new UdpBind({ netns: ns.path });
  t.teardown(() => sameInside.close());
  t.notThrows(() => sameInside.open(here.port ?? 0));
});
