import { randomBytes } from 'node:crypto';
import test from 'ava';
import { PacketBatch, copyPackets } from './packets.js';
import { internetChecksum } from './testing/ip-packets.js';
import { SOURCE_V4, DESTINATION_V4, tcpChecksumValid, tcpSuperPacket, virtioHeader } from './testing/super-packets.js';
import {
  VIRTIO_NET_HDR_F_NEEDS_CSUM,
  VIRTIO_NET_HDR_GSO_ECN,
  VIRTIO_NET_HDR_GSO_NONE,
  VIRTIO_NET_HDR_GSO_TCPV4,
  VIRTIO_NET_HDR_GSO_TCPV6,
  VIRTIO_NET_HDR_GSO_UDP_L4,
  type OffloadDrop,
  splitOffloadedRead,
} from './tso-split.js';

const FIN = 0x01;
const PSH = 0x08;
const ACK = 0x10;
const CWR = 0x80;
function split(read: Uint8Array, capacity = 128): { packets: Uint8Array[]; flushes: number; dropped: unknown } {
  const out = new PacketBatch({ capacity, maxPacket: 65535, headroom: 16, tailroom: 32 });
  const packets: Uint8Array[] = [];
  let flushes = 0;
  const flush = (): void => {
    flushes++;
    packets.push(...copyPackets(out));
    out.clear();
  };
  // Not at offset 0 of the source, as in the packed read buffer.
  const source = new Uint8Array(read.length + 48);
  source.set(read, 32);
  const dropped = splitOffloadedRead(source, 32, read.length, out, flush);
  packets.push(...copyPackets(out));
  return { packets, flushes, dropped };
}

for (const version of [4, 6] as const) {
  test(`an IPv${version} TCP super-packet becomes MSS-sized segments with their own headers and checksums`, (t) => {
    const gsoSize = 1380;
    const superPacket = tcpSuperPacket({
      version,
      payloadLength: 10 * gsoSize + 7,
      gsoSize,
      flags: ACK | PSH | FIN | CWR,
      tcpOptions: 12,
    });
    const { packets, dropped } = split(superPacket.read);
    const ipLength = version === 4 ? 20 : 40;
    const headers = ipLength + 32;

    t.is(dropped, undefined);
    t.is(packets.length, 11);
    const payloads: Uint8Array[] = [];
    for (const [i, packet] of packets.entries()) {
      const view = new DataView(packet.buffer, packet.byteOffset);
      const last = i === packets.length - 1;
      t.is(packet.length, headers + (last ? 7 : gsoSize));
      if (version === 4) {
        t.is(view.getUint16(2), packet.length, 'IPv4 total length');
        t.is(view.getUint16(4), (0xfffe + i) & 0xffff, 'IPv4 id, one more per segment');
        t.is(internetChecksum(packet, 0, 20), 0, 'IPv4 header checksum');
      } else {
        t.is(view.getUint16(4), packet.length - 40, 'IPv6 payload length');
      }
      t.is(view.getUint32(ipLength + 4), (0xfffff000 + i * gsoSize) >>> 0, 'sequence number');
      t.is(view.getUint32(ipLength + 8), 12345, 'acknowledgement unchanged');
      const flags = packet[ipLength + 13]!;
      t.is(flags & (FIN | PSH), last ? FIN | PSH : 0, 'FIN and PSH only on the last');
      t.is(flags & CWR, i === 0 ? CWR : 0, 'CWR only on the first');
      t.is(flags & ACK, ACK);
      t.true(tcpChecksumValid(packet), `TCP checksum of segment ${i}`);
      payloads.push(packet.subarray(headers));
    }
    t.deepEqual(Buffer.concat(payloads), Buffer.from(superPacket.payload));
  });
}

test('a split that overfills the batch hands it on and goes on in the emptied batch', (t) => {
  const superPacket = tcpSuperPacket({ version: 4, payloadLength: 9 * 100, gsoSize: 100, flags: ACK });
  const { packets, flushes, dropped } = split(superPacket.read, 4);
  t.is(dropped, undefined);
  t.is(flushes, 2);
  t.is(packets.length, 9);
  t.true(packets.every(tcpChecksumValid));
  t.deepEqual(Buffer.concat(packets.map((packet) => packet.subarray(40))), Buffer.from(superPacket.payload));
});

test('a super-packet no longer than one segment passes as one packet with its checksum completed', (t) => {
  const superPacket = tcpSuperPacket({ version: 6, payloadLength: 500, gsoSize: 1440, flags: ACK | PSH });
  const { packets } = split(superPacket.read);
  t.is(packets.length, 1);
  t.true(tcpChecksumValid(packets[0]!));
  t.is(packets[0]![53]! & PSH, PSH);
});

test('a packet without GSO that needs its checksum gets it completed over csum_start..end', (t) => {
  // UDP over IPv4 with the pseudo-header sum in the checksum field, as the kernel leaves CHECKSUM_PARTIAL.
  const payload = randomBytes(333);
  const packet = new Uint8Array(28 + payload.length);
  const view = new DataView(packet.buffer);
  packet[0] = 0x45;
  view.setUint16(2, packet.length);
  packet[8] = 64;
  packet[9] = 17;
  packet.set(SOURCE_V4, 12);
  packet.set(DESTINATION_V4, 16);
  view.setUint16(10, internetChecksum(packet, 0, 20));
  view.setUint16(20, 5000);
  view.setUint16(22, 53);
  view.setUint16(24, 8 + payload.length);
  packet.set(payload, 28);
  const pseudo = Buffer.concat([packet.subarray(12, 20), Buffer.from([0, 17, 0, 0])]);
  new DataView(pseudo.buffer, pseudo.byteOffset).setUint16(10, 8 + payload.length);
  view.setUint16(26, ~internetChecksum(pseudo) & 0xffff); // the folded pseudo-header sum, not complemented
  const read = Buffer.concat([
    virtioHeader({
      flags: VIRTIO_NET_HDR_F_NEEDS_CSUM,
      gsoType: VIRTIO_NET_HDR_GSO_NONE,
      csumStart: 20,
      csumOffset: 6,
    }),
    packet,
  ]);

  const { packets } = split(read);
  t.is(packets.length, 1);
  const udp = packets[0]!.subarray(20);
  t.is(internetChecksum(Buffer.concat([pseudo.subarray(0, 12), udp, Buffer.alloc(udp.length % 2)])), 0);
  t.deepEqual(Buffer.from(udp.subarray(8)), payload);
});

test('a packet without GSO or checksum work passes unchanged', (t) => {
  const packet = randomBytes(200);
  packet[0] = 0x45;
  const { packets } = split(Buffer.concat([virtioHeader({ gsoType: VIRTIO_NET_HDR_GSO_NONE }), packet]));
  t.deepEqual(
    packets.map((p) => Buffer.from(p)),
    [packet],
  );
});

test('malformed virtio headers and super-packets are dropped with a reason, leaving nothing behind', (t) => {
  const good = tcpSuperPacket({ version: 4, payloadLength: 3000, gsoSize: 1000, flags: ACK }).read;
  const goodV6 = tcpSuperPacket({ version: 6, payloadLength: 3000, gsoSize: 1000, flags: ACK }).read;
  const mutate = (read: Uint8Array, change: (copy: Uint8Array, view: DataView) => void): Uint8Array => {
    const copy = Uint8Array.from(read);
    change(copy, new DataView(copy.buffer));
    return copy;
  };
  const cases: [string, Uint8Array, OffloadDrop][] = [
    ['shorter than a virtio header', good.subarray(0, 9), 'offload-short'],
    ['a header and no packet', good.subarray(0, 10), 'offload-short'],
    ['UDP_L4 segmentation', mutate(good, (c) => (c[1] = VIRTIO_NET_HDR_GSO_UDP_L4)), 'offload-unsupported'],
    ['ECN', mutate(good, (c) => (c[1] = VIRTIO_NET_HDR_GSO_TCPV4 | VIRTIO_NET_HDR_GSO_ECN)), 'offload-unsupported'],
    ['an unknown gso type', mutate(good, (c) => (c[1] = 0x42)), 'offload-unsupported'],
    ['gso_size 0', mutate(good, (_, v) => v.setUint16(4, 0, true)), 'offload-malformed'],
    ['csum_start elsewhere', mutate(good, (_, v) => v.setUint16(6, 24, true)), 'offload-malformed'],
    ['csum_offset not TCP', mutate(good, (_, v) => v.setUint16(8, 6, true)), 'offload-malformed'],
    ['TCPV4 on an IPv6 packet', mutate(goodV6, (c) => (c[1] = VIRTIO_NET_HDR_GSO_TCPV4)), 'offload-malformed'],
    ['TCPV6 on an IPv4 packet', mutate(good, (c) => (c[1] = VIRTIO_NET_HDR_GSO_TCPV6)), 'offload-malformed'],
    ['not TCP inside', mutate(good, (c) => (c[10 + 9] = 17)), 'offload-malformed'],
    ['an IPv4 header under 20 bytes', mutate(good, (c) => (c[10] = 0x44)), 'offload-malformed'],
    ['a TCP data offset under 5', mutate(good, (c) => (c[10 + 20 + 12] = 0x40)), 'offload-malformed'],
    ['a TCP header past the end', good.subarray(0, 10 + 30), 'offload-short'],
    [
      'a TCP data offset past the end',
      mutate(good.subarray(0, 10 + 60), (c) => (c[10 + 20 + 12] = 0xf0)),
      'offload-short',
    ],
    ['segments larger than a slot', mutate(good, (_, v) => v.setUint16(4, 65535, true)), 'offload-too-large'],
    ['an IPv4 length other than the read', mutate(good, (_, v) => v.setUint16(10 + 2, 1000)), 'offload-malformed'],
    ['an IPv6 length other than the read', mutate(goodV6, (_, v) => v.setUint16(10 + 4, 99)), 'offload-malformed'],
    [
      'a checksum place past the end',
      Buffer.concat([
        virtioHeader({ flags: VIRTIO_NET_HDR_F_NEEDS_CSUM, gsoType: 0, csumStart: 20, csumOffset: 90 }),
        good.subarray(10, 100),
      ]),
      'offload-malformed',
    ],
  ];
  for (const [what, read, reason] of cases) {
    const out = new PacketBatch({ capacity: 8, maxPacket: 2000, headroom: 16, tailroom: 32 });
    t.is(
      splitOffloadedRead(read, 0, read.length, out, () => out.clear()),
      reason,
      what,
    );
    t.is(out.count, 0, what);
  }
});
