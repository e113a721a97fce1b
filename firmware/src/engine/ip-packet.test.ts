import test from 'ava';
import { destinationAddress, ipPacketInfo, sourceAddress } from './ip-packet.js';

function ipv4(totalLength: number, bytes = totalLength): Uint8Array {
  const packet = new Uint8Array(bytes);
  packet[0] = 0x45;
  packet[2] = totalLength >> 8;
  packet[3] = totalLength & 0xff;
  if (bytes >= 20) {
    packet.set([10, 0, 0, 1], 12);
    packet.set([192, 0, 2, 7], 16);
  }
  return packet;
}

function ipv6(payloadLength: number, bytes = 40 + payloadLength): Uint8Array {
  const packet = new Uint8Array(bytes);
  packet[0] = 0x60;
  packet[4] = payloadLength >> 8;
  packet[5] = payloadLength & 0xff;
  if (bytes >= 40) {
    packet[8] = 0xfd;
    packet[24] = 0x20;
    packet[39] = 1;
  }
  return packet;
}

test('reads IPv4 addresses and the claimed length, ignoring trailing padding', (t) => {
  const packet = ipv4(28, 32);
  t.deepEqual(ipPacketInfo(packet), { version: 4, length: 28 });
  t.deepEqual([...sourceAddress(packet, 4)], [10, 0, 0, 1]);
  t.deepEqual([...destinationAddress(packet, 4)], [192, 0, 2, 7]);
});

test('reads IPv6 addresses and length', (t) => {
  const packet = ipv6(8, 64);
  t.deepEqual(ipPacketInfo(packet), { version: 6, length: 48 });
  t.is(sourceAddress(packet, 6)[0], 0xfd);
  t.is(destinationAddress(packet, 6)[0], 0x20);
  t.is(destinationAddress(packet, 6)[15], 1);
});

const malformed: Array<[string, Uint8Array]> = [
  ['empty', new Uint8Array(0)],
  ['version 5', Uint8Array.of(0x50, ...new Uint8Array(39))],
  ['IPv4 shorter than a header', ipv4(20, 19)],
  ['IPv4 claiming more than it holds', ipv4(100, 60)],
  ['IPv4 claiming less than a header', ipv4(10, 20)],
  ['IPv6 shorter than a header', ipv6(0, 39)],
  ['IPv6 claiming more than it holds', ipv6(100, 60)],
];

for (const [name, packet] of malformed) {
  test(`refuses a packet: ${name}`, (t) => {
    t.is(ipPacketInfo(packet), null);
  });
}
