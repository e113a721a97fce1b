// dnsmasq with remote access: it answers the devices on wg1 as it does the LAN (and forwards only to the tunnel's
// resolvers), but hands out no DHCP there.
import test from 'ava';
import { renderDnsmasqConfig } from './dnsmasq-config.js';
import { remoteState } from './testing/remote-access.js';

const PATHS = { leaseFile: '/data/dnsmasq.leases' };

test('dnsmasq listens on wg1 without DHCP there; without remote access it does not', (t) => {
  const lines = renderDnsmasqConfig(remoteState(), PATHS).split('\n');
  t.true(lines.includes('interface=wg1'));
  t.true(lines.includes('no-dhcp-interface=wg1'));
  t.true(lines.includes('interface=br-lan'));
  t.deepEqual(
    lines.filter((line) => line.startsWith('server=')),
    ['server=100.96.0.1'],
    "the devices' queries go only to the tunnel's resolver",
  );
  const without = renderDnsmasqConfig(remoteState({ remoteAccess: null }), PATHS);
  t.false(without.includes('wg1'));
});
