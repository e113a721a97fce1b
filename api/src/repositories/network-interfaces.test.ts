import test from 'ava';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { type NetworkInterfaceInfo } from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isUp, macFrom, readNetworkInterfaces, readReachableAddresses } from './network-interfaces.js';

interface FakeDevice {
  address?: string;
  operstate: string;
  flags: string;
  rxBytes?: number;
}

/** Lays out a /sys/class/net look-alike: devices live elsewhere and are linked in, as in sysfs. */
async function sysClassNet(devices: Record<string, FakeDevice>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'burrow-net-'));
  await mkdir(join(root, 'class'));
  for (const [name, device] of Object.entries(devices)) {
    const dir = join(root, 'devices', name);
    await mkdir(join(dir, 'statistics'), { recursive: true });
    if (device.address !== undefined) {
      await writeFile(join(dir, 'address'), `${device.address}\n`);
    }
    await writeFile(join(dir, 'operstate'), `${device.operstate}\n`);
    await writeFile(join(dir, 'flags'), `${device.flags}\n`);
    const stats = {
      rx_bytes: device.rxBytes ?? 0,
      tx_bytes: 2,
      rx_packets: 3,
      tx_packets: 4,
      rx_errors: 5,
      tx_errors: 6,
    };
    for (const [file, value] of Object.entries(stats)) {
      await writeFile(join(dir, 'statistics', file), `${value}\n`);
    }
    await symlink(dir, join(root, 'class', name));
  }
  return root;
}

test('reads every interface, sorted, with counters, link state and OS addresses', async (t) => {
  const root = await sysClassNet({
    wan0: { address: '02:FC:00:00:00:01', operstate: 'up', flags: '0x1003', rxBytes: 9_007_199_254_740_991 },
    lo: { address: '00:00:00:00:00:00', operstate: 'unknown', flags: '0x9' },
    wg0: { address: '', operstate: 'unknown', flags: '0x90' },
  });
  t.teardown(() => rm(root, { recursive: true, force: true }));
  // A plain file in the directory, as bonding_masters is on some kernels.
  await writeFile(join(root, 'class', 'bonding_masters'), '\n');
  const addresses: NodeJS.Dict<NetworkInterfaceInfo[]> = {
    wan0: [
      {
        address: '192.0.2.2',
        netmask: '255.255.255.0',
        family: 'IPv4',
        mac: '',
        internal: false,
        cidr: '192.0.2.2/24',
      },
      {
        address: 'fd00::2',
        netmask: 'ffff:ffff:ffff:ffff::',
        family: 'IPv6',
        mac: '',
        internal: false,
        cidr: 'fd00::2/64',
        scopeid: 0,
      },
    ],
  };

  const interfaces = await readNetworkInterfaces(join(root, 'class'), addresses);

  t.deepEqual(
    interfaces.map((found) => found.name),
    ['lo', 'wan0', 'wg0'],
  );
  t.deepEqual(interfaces[1], {
    name: 'wan0',
    mac: '02:fc:00:00:00:01',
    up: true,
    addresses: [
      { family: 'ipv4', address: '192.0.2.2', prefixLength: 24 },
      { family: 'ipv6', address: 'fd00::2', prefixLength: 64 },
    ],
    counters: { rxBytes: 9_007_199_254_740_991, txBytes: 2, rxPackets: 3, txPackets: 4, rxErrors: 5, txErrors: 6 },
  });
  t.like(interfaces[0], { name: 'lo', mac: null, up: true, addresses: [] });
  t.like(interfaces[2], { name: 'wg0', mac: null, up: false });
});

test('an interface that vanishes while being read is left out', async (t) => {
  const root = await sysClassNet({ eth0: { address: '02:00:00:00:00:01', operstate: 'up', flags: '0x1003' } });
  t.teardown(() => rm(root, { recursive: true, force: true }));
  // A dangling link: listed by readdir, gone by the time its files are read.
  await symlink(join(root, 'devices', 'gone'), join(root, 'class', 'gone'));
  const interfaces = await readNetworkInterfaces(join(root, 'class'), {});
  t.deepEqual(
    interfaces.map((found) => found.name),
    ['eth0'],
  );
});

test('a missing /sys/class/net is an error, not an empty list', async (t) => {
  await t.throwsAsync(readNetworkInterfaces(join(tmpdir(), 'burrow-no-such-dir'), {}), { code: 'ENOENT' });
});

test('link state: operstate up, or unknown with IFF_UP (loopback, TUN)', (t) => {
  t.true(isUp('up', '0x1003'));
  t.true(isUp('unknown', '0x9'));
  t.true(isUp('unknown', '0x1091'));
  t.false(isUp('unknown', '0x90'));
  t.false(isUp('down', '0x1003'));
  t.false(isUp('dormant', '0x1003'));
  t.false(isUp('lowerlayerdown', '0x1003'));
});

test('hardware addresses: lower case, or null when there is none', (t) => {
  t.is(macFrom('DC:A6:32:01:02:03'), 'dc:a6:32:01:02:03');
  t.is(macFrom('00:00:00:00:00:00'), null);
  t.is(macFrom(''), null);
  t.is(macFrom(undefined), null);
});

test('reachable addresses leave out point-to-point links: the tunnel is not where the page is opened', async (t) => {
  const root = await sysClassNet({
    'br-lan': { address: '02:00:00:00:00:01', operstate: 'up', flags: '0x1003' },
    wg0: { operstate: 'unknown', flags: '0x10d1' },
  });
  t.teardown(() => rm(root, { recursive: true, force: true }));
  const entry = (address: string, family: 'IPv4' | 'IPv6'): NetworkInterfaceInfo =>
    family === 'IPv4'
      ? { address, netmask: '255.255.255.0', family, mac: '', internal: false, cidr: `${address}/24` }
      : { address, netmask: 'ffff::', family, mac: '', internal: false, cidr: `${address}/64`, scopeid: 0 };
  const addresses = await readReachableAddresses(join(root, 'class'), {
    'br-lan': [entry('192.168.8.1', 'IPv4'), entry('fd00:8::1', 'IPv6')],
    wg0: [entry('10.64.0.2', 'IPv4')],
  });
  t.deepEqual(addresses, ['192.168.8.1', 'fd00:8::1']);
});
