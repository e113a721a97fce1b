import test from 'ava';

import { formatAllowedIp, formatIp, parseAllowedIp, parseIpv4, parseIpv6 } from './allowed-ips-text.js';

const toHex = (bytes: Uint8Array | null): string | null => (bytes === null ? null : Buffer.from(bytes).toString('hex'));

// (text, canonical "address/cidr")
const valid: Array<[string, string]> = [
  ['10.0.0.0/8', '10.0.0.0/8'],
  ['10.1.2.3/8', '10.0.0.0/8'],
  ['192.168.1.7', '192.168.1.7/32'],
  ['0.0.0.0/0', '0.0.0.0/0'],
  ['255.255.255.255/32', '255.255.255.255/32'],
  ['::/0', '::/0'],
  ['::', '::/128'],
  ['::1', '::1/128'],
  ['fd00::1/64', 'fd00::/64'],
  ['FD00:0000:0000:0000:0000:0000:0000:0001/128', 'fd00::1/128'],
  ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1/128'],
  ['2001:db8::1:0:0:1', '2001:db8::1:0:0:1/128'],
  ['2001:0:0:1::1', '2001:0:0:1::1/128'],
  ['1:2:3:4:5:6:7::', '1:2:3:4:5:6:7:0/128'],
  ['::ffff:192.0.2.1', '::ffff:192.0.2.1/128'],
  ['64:ff9b::192.0.2.33/96', '64:ff9b::/96'],
  ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8/128'],
];
for (const [text, canonical] of valid) {
  test(`parses ${text} as ${canonical}`, (t) => {
    const parsed = parseAllowedIp(text);
    t.true(parsed.ok);
    if (parsed.ok) {
      t.is(formatAllowedIp(parsed.value), canonical);
      const again = parseAllowedIp(canonical);
      t.deepEqual(again, parsed, 'the canonical form parses to the same value');
    }
  });
}

const invalid: string[] = [
  '',
  '10.0.0',
  '10.0.0.0.0',
  '256.0.0.0',
  '01.2.3.4',
  '1.2.3.4/33',
  '1.2.3.4/',
  '1.2.3.4/08',
  '1.2.3.4/-1',
  ' 1.2.3.4',
  '1.2.3.4 ',
  '::/129',
  ':::',
  '1::2::3',
  '1:2:3:4:5:6:7:8:9',
  '1:2:3:4:5:6:7:8::',
  '12345::',
  'fe80::1%eth0',
  '[::1]',
  '1.2.3.4::',
  '::1.2.3',
  'g::',
  '10.0.0.0/8/8',
  'example.com',
];
for (const text of invalid) {
  test(`refuses ${JSON.stringify(text)}`, (t) => {
    const parsed = parseAllowedIp(text);
    t.false(parsed.ok);
    if (!parsed.ok) {
      t.true(parsed.reason.length > 0);
    }
  });
}

test('parseIpv4 and parseIpv6 give raw bytes', (t) => {
  t.is(toHex(parseIpv4('192.0.2.255')), 'c00002ff');
  t.is(toHex(parseIpv6('2001:db8::ff00:42:8329')), '20010db8000000000000ff0000428329');
  t.is(parseIpv4('::1'), null);
  t.is(parseIpv6('1.2.3.4'), null);
});

// RFC 5952 §4: lowercase, no leading zeros, the longest (first on a tie) run of 2+ zero groups becomes "::".
const formatting: Array<[string, string]> = [
  ['20010db8000000000000000000000001', '2001:db8::1'],
  ['20010db8000000010001000100010001', '2001:db8:0:1:1:1:1:1'],
  ['20010db8000000000001000000000001', '2001:db8::1:0:0:1'],
  ['00000000000000000000000000000000', '::'],
  ['00000000000000000000000000000001', '::1'],
  ['10000000000000000000000000000000', '1000::'],
  ['00000000000000000000ffffc0000201', '::ffff:192.0.2.1'],
];
for (const [bytes, text] of formatting) {
  test(`formats ${bytes} as ${text}`, (t) => {
    t.is(formatIp(new Uint8Array(Buffer.from(bytes, 'hex'))), text);
  });
}
