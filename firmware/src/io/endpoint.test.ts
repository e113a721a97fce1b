import test from 'ava';
import { formatIp } from '../net/ip.js';
import { Endpoint, parseAddress } from './endpoint.js';

test('endpoints parse and print in canonical form', (t) => {
  const cases: Array<[string, string, 4 | 6]> = [
    ['1.2.3.4:51820', '1.2.3.4:51820', 4],
    ['[::1]:51820', '[::1]:51820', 6],
    ['[2001:DB8:0:0:0:0:0:1]:443', '[2001:db8::1]:443', 6],
    ['[2001:db8:0:0:1:0:0:1]:1', '[2001:db8::1:0:0:1]:1', 6], // equal runs: the first is compressed
    ['[2001:0db8:0000:0001:0000:0000:0000:0001]:1', '[2001:db8:0:1::1]:1', 6], // the longest run wins
    ['[1:0:3:4:5:6:7:8]:9', '[1:0:3:4:5:6:7:8]:9', 6], // one zero group stays
    ['[::]:1', '[::]:1', 6],
    ['[fe80::]:65535', '[fe80::]:65535', 6],
    ['[::1.2.3.4]:7', '[::102:304]:7', 6],
    ['[::ffff:10.0.0.1]:5', '10.0.0.1:5', 4], // IPv4-mapped becomes IPv4
    ['[::FFFF:a00:1]:5', '10.0.0.1:5', 4],
  ];
  for (const [text, canonical, family] of cases) {
    const endpoint = Endpoint.parse(text);
    t.is(endpoint.toString(), canonical, text);
    t.is(endpoint.family, family, text);
    t.is(Endpoint.parse(canonical).toString(), canonical, `${text} round trip`);
  }
});

test('bad endpoints are refused with a message that says what is expected', (t) => {
  for (const bad of [
    '',
    'vpn.example.com:51820',
    '1.2.3.4',
    '1.2.3.4:',
    '1.2.3.4:0',
    '1.2.3.4:65536',
    '01.2.3.4:1',
    '1.2.3.256:1',
    '[1.2.3.4]:1',
    '[fe80::1%eth0]:1',
    '[::1]',
    '[:::1]:1',
  ]) {
    t.throws(() => Endpoint.parse(bad), undefined, bad);
  }
  t.throws(() => Endpoint.parse('::1:51820'), { message: /needs brackets/ });
  t.throws(() => Endpoint.parse('host:1'), { message: /expected 1\.2\.3\.4:51820/ });
});

test('addresses convert to bytes and back', (t) => {
  t.deepEqual([...parseAddress('192.0.2.1')], [192, 0, 2, 1]);
  t.deepEqual([...parseAddress('::1')], [...new Array<number>(15).fill(0), 1]);
  t.deepEqual([...parseAddress('1:2:3:4:5:6:1.2.3.4')], [0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 1, 2, 3, 4]);
  t.is(formatIp(parseAddress('2001:db8:85a3::8a2e:370:7334')), '2001:db8:85a3::8a2e:370:7334');
  t.is(formatIp(new Uint8Array(16)), '::');
});

test('equality and allocation-free matching compare family, bytes and port', (t) => {
  const a = Endpoint.parse('10.0.0.1:51820');
  t.true(a.equals(Endpoint.of('10.0.0.1', 51820)));
  t.true(a.equals(Endpoint.parse('[::ffff:10.0.0.1]:51820')));
  t.false(a.equals(Endpoint.of('10.0.0.1', 51821)));
  t.false(a.equals(Endpoint.of('10.0.0.2', 51820)));

  const table = new Uint8Array(32);
  table.set([10, 0, 0, 1], 16);
  t.true(a.matches(4, table, 16, 51820));
  t.false(a.matches(6, table, 16, 51820));
  t.false(a.matches(4, table, 0, 51820));
});

test('fromBytes copies, unmaps IPv4-mapped addresses and checks sizes and ports', (t) => {
  const bytes = parseAddress('::ffff:192.0.2.7');
  const endpoint = Endpoint.fromBytes(bytes, 9);
  bytes.fill(0);
  t.is(endpoint.toString(), '192.0.2.7:9');
  t.throws(() => Endpoint.fromBytes(new Uint8Array(5), 1), { instanceOf: RangeError });
  t.throws(() => Endpoint.fromBytes(new Uint8Array(4), 0), { instanceOf: RangeError });
  t.is(JSON.stringify({ endpoint }), '{"endpoint":"192.0.2.7:9"}');
});
