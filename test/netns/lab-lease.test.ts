// The lab's reading of a lease as dhclient hands it to the hook (no namespaces needed): the netmask is read by the
// firmware's IP parser.
import test from 'ava';
import { leaseFromEnv } from '@burrow/scripts/lab/dhcp-hook';

const lease = (mask: string, address = '100.64.8.23') =>
  leaseFromEnv({
    reason: 'BOUND',
    new_ip_address: address,
    new_subnet_mask: mask,
    new_routers: '100.64.8.1',
    new_dhcp_lease_time: '3600',
    new_domain_name_servers: '100.64.8.1 100.64.8.2',
    new_expiry: String(Date.parse('2026-12-02T06:00:00Z') / 1000),
  });

test('a lease: address, prefix length from the netmask, router and DNS servers', (t) => {
  const parsed = lease('255.255.252.0');
  t.like(parsed, {
    address: '100.64.8.23',
    prefixLength: 22,
    cidr: '100.64.8.23/22',
    routers: ['100.64.8.1'],
    dnsServers: ['100.64.8.1', '100.64.8.2'],
    leaseSeconds: 3600,
    expires: '2026-12-02T06:00:00.000Z',
  });
  t.is(lease('255.255.255.255').prefixLength, 32);
  t.is(lease('0.0.0.0').prefixLength, 0);
});

for (const mask of ['255.0.255.0', '255.255.255', '255.255.255.0x0', '255.255.255.00', 'ffff:ffff::', 'mask']) {
  test(`a netmask of ${JSON.stringify(mask)} is refused`, (t) => {
    t.throws(() => lease(mask), { message: `Not a netmask: ${mask}` });
  });
}
