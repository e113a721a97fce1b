import test from 'ava';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { activeLeases, parseDhcpLeases, readDhcpLeases, type DhcpLease } from './dhcp-leases.js';

// As dnsmasq 2.90 writes it with DHCPv4 and DHCPv6 both running.
const LEASE_FILE = [
  '1795367739 1e:bd:10:73:bb:d0 100.64.8.151 laptop 01:1e:bd:10:73:bb:d0',
  '1795367800 52:54:00:12:34:56 100.64.8.152 * *',
  '0 20-80:00:02:08:fe:80:00:00:00:00:00:00:00:02:c9:03:00:2f:3e:41 100.64.8.153 ib-host *',
  'duid 00:01:00:01:2c:7a:1b:3e:1e:bd:10:73:bb:d0',
  '1795367900 305419896 fd08::1234 phone 00:04:9f:2a:44:73:5a:19:4e:28:8f:0e:2b:f3:6a:0d:7f:a1',
  '1795367900 T42 fd08::99 * *',
  '',
].join('\n');

test('reads IPv4 leases, other hardware types, and DHCPv6 leases after the duid line', (t) => {
  t.deepEqual(parseDhcpLeases(LEASE_FILE), [
    {
      ip: '100.64.8.151',
      mac: '1e:bd:10:73:bb:d0',
      hostname: 'laptop',
      clientId: '01:1e:bd:10:73:bb:d0',
      expires: new Date(1795367739_000),
    },
    { ip: '100.64.8.152', mac: '52:54:00:12:34:56', hostname: null, clientId: null, expires: new Date(1795367800_000) },
    {
      ip: '100.64.8.153',
      mac: '20-80:00:02:08:fe:80:00:00:00:00:00:00:00:02:c9:03:00:2f:3e:41',
      hostname: 'ib-host',
      clientId: null,
      expires: null,
    },
    {
      ip: 'fd08::1234',
      mac: null,
      hostname: 'phone',
      clientId: '00:04:9f:2a:44:73:5a:19:4e:28:8f:0e:2b:f3:6a:0d:7f:a1',
      expires: new Date(1795367900_000),
    },
    { ip: 'fd08::99', mac: null, hostname: null, clientId: null, expires: new Date(1795367900_000) },
  ]);
});

const JUNK_LINES: ReadonlyArray<[string, string]> = [
  ['a half-written line', '1795367739 1e:bd:10:73:bb:d0 100.64'],
  ['too many fields', '1795367739 1e:bd:10:73:bb:d0 100.64.8.151 laptop * extra'],
  ['a non-numeric expiry', 'soon 1e:bd:10:73:bb:d0 100.64.8.151 laptop *'],
  ['a negative expiry', '-5 1e:bd:10:73:bb:d0 100.64.8.151 laptop *'],
  ['a short hardware address', '1795367739 1e:bd:10:73:bb 100.64.8.151 laptop *'],
  ['an upper-case hardware address dnsmasq never writes', '1795367739 1E:BD:10:73:BB:D0 100.64.8.151 laptop *'],
  ['an IAID with an IPv4 address', '1795367739 42 100.64.8.151 laptop *'],
  ['a hardware address with an IPv6 address', '1795367739 1e:bd:10:73:bb:d0 fd08::1 laptop *'],
  ['an address that is not one', '1795367739 1e:bd:10:73:bb:d0 100.64.8.256 laptop *'],
  ['a comment', '# 1795367739 1e:bd:10:73:bb:d0 100.64.8.151 laptop *'],
  ['binary noise', '\u0000\u0001\u0002 \u00ff'],
];

for (const [what, line] of JUNK_LINES) {
  test(`skips ${what} and keeps the leases around it`, (t) => {
    const text = `1795367739 1e:bd:10:73:bb:d0 100.64.8.151 laptop *\n${line}\n1795367800 52:54:00:12:34:56 100.64.8.152 * *\n`;
    t.deepEqual(
      parseDhcpLeases(text).map((lease) => lease.ip),
      ['100.64.8.151', '100.64.8.152'],
    );
  });
}

test('a client id that is not hex bytes, and a host name with control characters, read as absent', (t) => {
  const [lease] = parseDhcpLeases('1795367739 1e:bd:10:73:bb:d0 100.64.8.151 bad\u0007name zz:01\n');
  t.is(lease?.hostname, null);
  t.is(lease?.clientId, null);
});

test('an empty file and CRLF line ends', (t) => {
  t.deepEqual(parseDhcpLeases(''), []);
  t.is(parseDhcpLeases('1795367739 1e:bd:10:73:bb:d0 100.64.8.151 laptop *\r\n')[0]?.hostname, 'laptop');
});

test('IPv6 addresses come out in their canonical form', (t) => {
  t.is(parseDhcpLeases('1795367900 1 FD08:0:0:0:0:0:0:1234 * *')[0]?.ip, 'fd08::1234');
});

test('active leases: expired ones are dropped, leases without end stay', (t) => {
  const lease = (ip: string, expires: Date | null): DhcpLease => ({
    ip,
    mac: null,
    hostname: null,
    clientId: null,
    expires,
  });
  const now = new Date(1_800_000_000_000);
  const leases = [
    lease('100.64.8.100', new Date(now.getTime() - 1000)),
    lease('100.64.8.101', now),
    lease('100.64.8.102', new Date(now.getTime() + 1000)),
    lease('100.64.8.103', null),
  ];
  t.deepEqual(
    activeLeases(leases, now).map((active) => active.ip),
    ['100.64.8.102', '100.64.8.103'],
  );
});

test('reading: a missing file has no leases, an existing one is parsed', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'burrow-leases-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'dnsmasq.leases');
  t.deepEqual(await readDhcpLeases(file), []);
  await writeFile(file, LEASE_FILE);
  t.is((await readDhcpLeases(file)).length, 5);
});

test('reading a directory instead of a file is an error, not an empty list', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'burrow-leases-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await t.throwsAsync(readDhcpLeases(dir), { code: 'EISDIR' });
});
