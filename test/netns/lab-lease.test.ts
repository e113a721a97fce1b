// The lab's reading of a dhclient lease file (no namespaces needed): the netmask is read by the firmware's IP parser.
import test from 'ava';
import { parseLastLease } from '@burrow/scripts/lab/dhcp-client';

const lease = (mask: string, address = '100.64.8.23') => `
lease {
  interface "eth0";
  fixed-address ${address};
  option subnet-mask ${mask};
  option routers 100.64.8.1;
  option dhcp-lease-time 3600;
  option domain-name-servers 100.64.8.1, 100.64.8.2;
  expire 3 2026/12/02 06:00:00;
}
`;

test('the newest lease: address, prefix length from the netmask, router and DNS servers', (t) => {
  const parsed = parseLastLease(lease('255.255.255.0', '100.64.8.9') + lease('255.255.252.0'));
  t.like(parsed, {
    address: '100.64.8.23',
    prefixLength: 22,
    cidr: '100.64.8.23/22',
    routers: ['100.64.8.1'],
    dnsServers: ['100.64.8.1', '100.64.8.2'],
    leaseSeconds: 3600,
    expires: '2026-12-02T06:00:00.000Z',
  });
  t.is(parseLastLease(lease('255.255.255.255'))?.prefixLength, 32);
  t.is(parseLastLease(lease('0.0.0.0'))?.prefixLength, 0);
});

for (const mask of ['255.0.255.0', '255.255.255', '255.255.255.0x0', '255.255.255.00', 'ffff:ffff::', 'mask']) {
  test(`a netmask of ${JSON.stringify(mask)} is refused`, (t) => {
    t.throws(() => parseLastLease(lease(mask)), { message: `Not a netmask: ${mask}` });
  });
}
