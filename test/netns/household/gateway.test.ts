// The household gateway's first promise, seen from a LAN device: it gets an address by DHCP from the router, its
// web requests reach the Internet from the VPN server's address (they went through the tunnel), and its DNS
// queries, asked of the router, are answered by the resolver inside the tunnel. Meanwhile the WAN carries nothing
// in the clear: no LAN address, no DNS, only the encrypted tunnel.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { assertNoLeaks } from './leaks.js';
import { gatewayTest } from './fixture.js';

gatewayTest('a LAN device gets a lease, and its web requests and DNS go through the tunnel', {}, async (t, gateway) => {
  const { lab, record } = gateway;
  const [first, second] = gateway.lanDevices;

  // The fixture had both devices ask for a lease; asking again shows what the router handed out.
  const lease = await lab.dhcp(first);
  t.regex(lease.address, /^100\.64\.8\.1\d\d$/, 'an address from the DHCP range');
  t.is(lease.prefixLength, 24);
  t.deepEqual(lease.routers, ['100.64.8.1'], 'the router is the default gateway');
  t.deepEqual(lease.dnsServers, ['100.64.8.1'], 'the router is the DNS server');
  t.is(lease.leaseSeconds, 3600);
  const other = await lab.dhcp(second);
  t.not(other.address, lease.address, 'each device has an address of its own');
  const { leases } = await gateway.status();
  t.deepEqual(
    leases.map(({ ip, hostname }) => `${hostname} ${ip}`).sort(),
    [`lan1 ${lease.address}`, `lan2 ${other.address}`],
    "burrowd's status lists both leases",
  );

  const capture = await gateway.captureWan('through-the-tunnel');
  for (const ns of [first, second]) {
    t.is(await lab.whoami(ns), record.vpnServer.address, `${ns}: the web server sees the VPN server's address`);
  }
  t.deepEqual(await lab.resolve(first, record.internetHost.webName), [record.internetHost.web]);
  t.is(
    (await lab.httpGet(first, `http://${record.internetHost.webName}/`)).trim(),
    record.vpnServer.address,
    'by name, too: resolved through the tunnel, fetched through the tunnel',
  );
  await capture.stop();

  const resolverLog = await readFile(join(lab.logDir, 'vpn-resolver.log'), 'utf8');
  t.regex(
    resolverLog,
    /query\[A\] internet\.test from 100\.96\.0\.2$/m,
    "the VPN server's resolver got the query from the router's tunnel address",
  );
  const internetDnsLog = await readFile(join(lab.logDir, 'internet-dns.log'), 'utf8');
  t.notRegex(
    internetDnsLog,
    /from 198\.51\.100\.2$/m,
    "the Internet DNS never heard from the router's WAN address: the query was not sent in the clear",
  );
  const counts = await assertNoLeaks(t, capture, 'web and DNS through the tunnel');
  t.true(counts.tunnel > 0, 'the requests crossed the WAN inside the tunnel');
});
