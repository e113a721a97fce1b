import test from 'ava';
import { type Request } from 'express';
import { clientInfo, normalizeAddress } from './client.js';

test('an IPv4 client seen through a dual-stack socket is recorded as plain IPv4', (t) => {
  t.is(normalizeAddress('::ffff:192.168.1.20'), '192.168.1.20');
  t.is(normalizeAddress('::FFFF:10.0.0.1'), '10.0.0.1');
  t.is(normalizeAddress('2001:DB8::1'), '2001:db8::1');
  t.is(normalizeAddress('127.0.0.1'), '127.0.0.1');
});

test('one spelling per client: IPv4-mapped in hex groups too, IPv6 in RFC 5952 text', (t) => {
  t.is(normalizeAddress('::ffff:c0a8:114'), '192.168.1.20');
  t.is(normalizeAddress('2001:0DB8:0:0::1'), '2001:db8::1');
  t.is(normalizeAddress('1:2:3:4:5:6:1.2.3.4'), '1:2:3:4:5:6:102:304');
  t.is(normalizeAddress('Unknown'), 'unknown', 'what is not an address is only lowercased');
});

test('the user agent keeps printable text only, cut to 256 characters', (t) => {
  const request = (userAgent: string) =>
    ({ ip: '::ffff:127.0.0.1', socket: {}, headers: { 'user-agent': userAgent } }) as unknown as Request;
  t.deepEqual(clientInfo(request('Mozilla/5.0\r\nX-Evil: 1')), {
    address: '127.0.0.1',
    userAgent: 'Mozilla/5.0X-Evil: 1',
  });
  t.is(clientInfo(request('a'.repeat(1000))).userAgent.length, 256);
});
