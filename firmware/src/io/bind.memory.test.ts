import test from 'ava';
import { MemoryNetwork, type Fate } from './bind.memory.js';
import { Endpoint } from './endpoint.js';
import { IoError } from './errors.js';
import { PacketList } from './packets.js';
import { collectDatagrams } from './testing/collect.js';

const text = (data: Uint8Array): string => Buffer.from(data).toString();
const list = (...texts: string[]): PacketList => PacketList.of(texts.map((item) => Buffer.from(item)));

test('two hosts exchange datagrams, each seeing the other as the source', async (t) => {
  const network = new MemoryNetwork();
  const a = network.createBind('192.0.2.1');
  const b = network.createBind('198.51.100.7');
  a.open(0);
  t.is(b.open(51820), 51820);
  const atB = collectDatagrams(b);

  t.is(a.send(list('hello'), Endpoint.parse('198.51.100.7:51820')), 1);
  t.is(atB.items.length, 0, 'delivery is never synchronous');
  const [item] = await atB.until(1);
  t.is(text(item?.data ?? new Uint8Array()), 'hello');
  t.true(item?.from.equals(a.endpoint));
});

test('a batch of 64 sent to itself arrives as one batch, intact', async (t) => {
  const network = new MemoryNetwork();
  const bind = network.createBind('2001:db8::1');
  bind.open(0);
  const received = collectDatagrams(bind);
  const payloads = Array.from({ length: 64 }, (_, i) => `datagram ${i}`);
  bind.send(list(...payloads), bind.endpoint);
  const items = await received.until(64);
  t.deepEqual(
    items.map((item) => text(item.data)),
    payloads,
  );
  t.is(received.batches, 1);
  t.true(items.every((item) => item.from.toString() === bind.endpoint.toString()));
});

test('the batch exposes senders without allocating, and sources as endpoints on demand', async (t) => {
  const network = new MemoryNetwork();
  const a = network.createBind('10.0.0.1');
  const b = network.createBind('10.0.0.2');
  a.open(0);
  b.open(0);
  const seen = new Promise<boolean[]>((resolve) =>
    b.onDatagrams((batch) =>
      resolve([batch.sourceIs(0, a.endpoint), batch.sourceIs(0, b.endpoint), batch.sourceIs(5, a.endpoint)]),
    ),
  );
  a.send(list('x'), b.endpoint);
  t.deepEqual(await seen, [true, false, false]);
});

test('sent buffers are copied at send time', async (t) => {
  const network = new MemoryNetwork();
  const bind = network.createBind('10.0.0.1');
  bind.open(0);
  const received = collectDatagrams(bind);
  const packets = list('original');
  bind.send(packets, bind.endpoint);
  packets.data.fill(0x21);
  t.is(text((await received.until(1))[0]?.data ?? new Uint8Array()), 'original');
});

test('ports: ephemeral ports differ, a taken port is EADDRINUSE, a closed port is free again', (t) => {
  const network = new MemoryNetwork();
  const a = network.createBind('10.0.0.1');
  const b = network.createBind('10.0.0.1');
  const c = network.createBind('10.0.0.2');
  const port = a.open(0);
  t.not(b.open(0), port);
  b.close();
  t.is(t.throws(() => b.open(port), { instanceOf: IoError })?.code, 'EADDRINUSE');
  t.is(c.open(port), port, 'the same port on another address is free');
  a.close();
  t.is(b.open(port), port);
  t.throws(() => b.open(0), { message: /already open/ });
});

test('sending fails like the kernel: EBADF when closed, ENETUNREACH across families, EMSGSIZE when too large', (t) => {
  const network = new MemoryNetwork();
  const bind = network.createBind('10.0.0.1');
  t.is(t.throws(() => bind.send(list('x'), Endpoint.parse('10.0.0.2:1')), { instanceOf: IoError })?.code, 'EBADF');
  bind.open(0);
  t.is(t.throws(() => bind.send(list('x'), Endpoint.parse('[::1]:1')), { instanceOf: IoError })?.code, 'ENETUNREACH');
  const huge = PacketList.of([new Uint8Array(65_508)]);
  t.is(t.throws(() => bind.send(huge, Endpoint.parse('10.0.0.2:1')), { instanceOf: IoError })?.code, 'EMSGSIZE');
});

test('datagrams to nobody are lost and counted', async (t) => {
  const network = new MemoryNetwork();
  const bind = network.createBind('10.0.0.1');
  bind.open(0);
  bind.send(list('a', 'b'), Endpoint.parse('10.0.0.9:9'));
  network.flush();
  t.is(network.stats.unroutable, 2);
  t.is(network.stats.delivered, 0);
  await Promise.resolve();
});

test('roaming: the peer sees the new source, and datagrams for the old endpoint are lost', async (t) => {
  const network = new MemoryNetwork();
  const phone = network.createBind('198.51.100.10');
  const server = network.createBind('203.0.113.1');
  phone.open(40000);
  server.open(51820);
  const atServer = collectDatagrams(server);
  const atPhone = collectDatagrams(phone);
  const oldEndpoint = phone.endpoint;

  phone.send(list('from home'), server.endpoint);
  await atServer.until(1);
  phone.roam('192.0.2.200', 61000);
  phone.send(list('from the train'), server.endpoint);
  const items = await atServer.until(2);
  t.is(items[0]?.from.toString(), '198.51.100.10:40000');
  t.is(items[1]?.from.toString(), '192.0.2.200:61000');

  server.send(list('to the old address'), oldEndpoint);
  server.send(list('to the new address'), items[1]?.from ?? oldEndpoint);
  const [reply] = await atPhone.until(1);
  t.is(text(reply?.data ?? new Uint8Array()), 'to the new address');
  network.flush();
  t.is(atPhone.items.length, 1);
  t.is(network.stats.unroutable, 1);
});

test('impairment drops, duplicates, and holds datagrams back so they arrive out of order', (t) => {
  const network = new MemoryNetwork();
  const a = network.createBind('10.0.0.1');
  const b = network.createBind('10.0.0.2');
  a.open(0);
  b.open(0);
  const received = collectDatagrams(b);
  const fates: Record<string, Fate> = { one: 'hold', two: 'drop', three: 'duplicate', four: 'deliver' };
  network.impair((datagram) => fates[text(datagram.data)] ?? 'deliver');

  a.send(list('one', 'two', 'three', 'four'), b.endpoint);
  network.flush();
  t.deepEqual(
    received.items.map((item) => text(item.data)),
    ['three', 'three', 'four'],
  );
  t.is(network.held, 1);
  t.is(network.releaseHeld(), 1);
  network.flush();
  t.deepEqual(
    received.items.map((item) => text(item.data)),
    ['three', 'three', 'four', 'one'],
  );
  t.like(network.stats, { sent: 4, dropped: 1, duplicated: 1, delivered: 4 });

  network.impair(undefined);
  a.send(list('clean'), b.endpoint);
  network.flush();
  t.is(received.items.at(-1)?.data.length, 5);
});

test('the impairment sees each datagram with its sender mark', (t) => {
  const network = new MemoryNetwork();
  const a = network.createBind('10.0.0.1');
  const b = network.createBind('10.0.0.2');
  a.open(0);
  b.open(0);
  const marks: number[] = [];
  network.impair((datagram) => {
    marks.push(datagram.mark);
    return 'deliver';
  });
  a.send(list('unmarked'), b.endpoint);
  a.setMark(0xca6c);
  a.send(list('marked'), b.endpoint);
  a.setMark(0);
  a.send(list('cleared'), b.endpoint);
  t.deepEqual(marks, [0, 0xca6c, 0]);
  t.throws(() => a.setMark(2 ** 32), { instanceOf: RangeError });
  network.flush();
});

test('flush follows replies until the network is quiet, and calls an endless exchange out', (t) => {
  const network = new MemoryNetwork();
  const a = network.createBind('10.0.0.1');
  const b = network.createBind('10.0.0.2');
  a.open(0);
  b.open(0);
  let hops = 0;
  const bounce = (from: typeof a, limit: number) => (batch: { count: number; source(i: number): Endpoint }) => {
    for (let i = 0; i < batch.count; i++) {
      if (++hops < limit) {
        from.send(list('ball'), batch.source(i));
      }
    }
  };
  a.onDatagrams(bounce(a, 10));
  b.onDatagrams(bounce(b, 10));
  a.send(list('ball'), b.endpoint);
  network.flush();
  t.is(hops, 10);
  t.is(network.inFlight, 0);

  a.onDatagrams(bounce(a, Infinity));
  b.onDatagrams(bounce(b, Infinity));
  a.send(list('ball'), b.endpoint);
  t.throws(() => network.flush(), { message: /did not go quiet/ });
  a.close();
  b.close();
});

test('datagrams wait in an open bind until a handler is set; closing discards them', async (t) => {
  const network = new MemoryNetwork();
  const a = network.createBind('10.0.0.1');
  const b = network.createBind('10.0.0.2');
  a.open(0);
  b.open(0);
  a.send(list('early'), b.endpoint);
  network.flush();
  const received = collectDatagrams(b);
  t.is(text((await received.until(1))[0]?.data ?? new Uint8Array()), 'early');

  b.onDatagrams(() => t.fail('a closed bind received'));
  a.send(list('late'), b.endpoint);
  b.close();
  network.flush();
  t.is(network.stats.unroutable, 1);
});
