// `make run` as a first boot: burrowd with the LAN and the kill switch closed, no tunnel yet. LAN devices, whose
// DHCP clients run from the start, hold a lease by themselves as soon as the router's LAN is up, and reach the
// router but nothing beyond it. The router's web page (the real API, relayed into the router namespace as
// `make run` does) answers a LAN device as https://burrow.lan/ and at the router's LAN address, while the router's
// WAN address answers nothing on 80, 443 or any other port: burrowd's firewall drops it.
import test from 'ava';
import { hostname } from 'node:os';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from '@burrow/firmware/os/exec';
import { RouterWebRelay } from '@burrow/scripts/lab/web-relay';
import { TOOLS } from '@burrow/scripts/lab/tools';
import { startApiServer, type ApiServer } from '../../helpers/api-server.js';
import { Gateway, householdSkipReason } from './fixture.js';
import { eventually } from './poll.js';

const CURL = '/usr/bin/curl';
/** curl's exit code when the connection attempt timed out: nothing answered, not even a refusal. */
const CURL_CONNECT_TIMEOUT = 28;
const LEASE_TIMEOUT_MS = 30_000;

const skipReason = await householdSkipReason();
const declare = skipReason === undefined ? test.serial : test.serial.skip;

const cleanups: Array<() => Promise<void>> = [];
let box: Gateway | undefined;
let api: ApiServer | undefined;

test.after.always(async () => {
  for (const cleanup of cleanups.reverse()) {
    await cleanup();
  }
});

function gateway(): Gateway {
  if (box === undefined) {
    throw new Error('The first-boot gateway did not come up (see the first test)');
  }
  return box;
}

declare('with no tunnel, a LAN device holds a lease by itself once burrowd serves the LAN', async (t) => {
  const started = Date.now();
  box = await Gateway.startFirstBoot((stop) => cleanups.push(stop));
  const applied = Date.now();
  const { lab, record } = gateway();
  const [first, second] = gateway().lanDevices;
  t.is((await gateway().status()).state?.tunnel, null, 'burrowd runs without a tunnel');

  // Nobody calls dhcp(): the address appears because the device's own client asked, as a real device's does.
  const cidr = await eventually(`${first} holding an address`, LEASE_TIMEOUT_MS, async () => {
    const { stdout } = await run([TOOLS.ip, '-n', first, '-4', 'address', 'show', 'dev', 'eth0']);
    return /inet (100\.64\.8\.1\d\d\/24) /.exec(stdout)?.[1];
  });
  t.log(
    `lab and burrowd up in ${applied - started} ms; ${first} held ${cidr} ${Date.now() - applied} ms after the apply`,
  );
  // The client sets the address first and the route a moment later: wait for the route, it is what is asserted.
  const routes = await eventually(`${first}'s default route`, LEASE_TIMEOUT_MS, async () => {
    const { stdout } = await run([TOOLS.ip, '-n', first, 'route', 'show', 'default']);
    return stdout.trim() === '' ? undefined : stdout;
  });
  t.regex(routes, /^default via 100\.64\.8\.1 dev eth0/m, 'the router is the default gateway');
  t.regex(await readFile(join('/etc/netns', first, 'resolv.conf'), 'utf8'), /^nameserver 100\.64\.8\.1$/m);
  const lease = await lab.dhcp(first);
  t.is(lease.cidr, cidr, "dhcp() returns the running client's lease");
  t.is(lease.leaseSeconds, 3600);
  const other = await lab.dhcp(second);
  t.not(other.address, lease.address);

  // IPv6 from the router's advertisements (SLAAC in the LAN's ULA prefix), also without anyone asking.
  const ipv6 = await eventually(`${first} holding a ULA address`, LEASE_TIMEOUT_MS, async () => {
    const { stdout } = await run([TOOLS.ip, '-n', first, '-6', 'address', 'show', 'dev', 'eth0', 'scope', 'global']);
    return /inet6 (fd08::[0-9a-f:]+\/64) /.exec(stdout)?.[1];
  });
  t.log(`${first} formed ${ipv6} from the router's advertisements`);

  const ping = await lab.exec(first, ['/usr/bin/ping', '-n', '-c', '1', '-W', '2', '100.64.8.1'], { okExitCodes: [1] });
  t.is(ping.code, 0, 'the device reaches the router');
  await t.throwsAsync(lab.whoami(first, 4, { timeoutMs: 2_000 }), undefined, 'and nothing beyond it: no tunnel yet');
  const { leases } = await gateway().status();
  t.deepEqual(leases.map(({ hostname: name }) => name).sort(), ['lan1', 'lan2'], "burrowd's status lists both");
  t.is(record.vpnServers.length, 2);
});

declare("the router's page answers the LAN as burrow.lan and at its LAN address, and nothing on the WAN", async (t) => {
  const { lab, record } = gateway();
  const [first] = gateway().lanDevices;
  api = await startApiServer();
  cleanups.push(() => api!.stop());
  const relay = await RouterWebRelay.start(lab, {
    httpPort: Number(new URL(api.httpUrl).port),
    httpsPort: api.httpsPort,
  });
  cleanups.push(() => relay.stop());

  t.deepEqual(await lab.resolve(first, 'burrow.lan'), ['100.64.8.1'], "the router's dnsmasq answers burrow.lan");
  const label = hostname().split('.')[0]!.toLowerCase();
  if (/^(?!-)[a-z0-9-]{1,63}(?<!-)$/.test(label) && label !== 'localhost') {
    t.deepEqual(await lab.resolve(first, `${label}.lan`), ['100.64.8.1'], `and ${label}.lan, its host name`);
  }

  const curl = (ns: string, args: readonly string[]) =>
    lab.exec(ns, [CURL, '--silent', '--show-error', '--max-time', '10', ...args], {
      okExitCodes: [CURL_CONNECT_TIMEOUT, 7],
    });
  // -k: whether the API's certificate names burrow.lan and the LAN address is the API's side (it does not know
  // the lab's addresses yet); the name still goes to the API as the TLS SNI, end to end through the relay.
  for (const url of ['https://burrow.lan/', 'https://100.64.8.1/']) {
    const page = await curl(first, ['--insecure', url]);
    t.is(page.code, 0, `${url}: ${page.stderr}`);
    t.regex(page.stdout, /<!doctype html>/i, `${url} is the web page`);
  }
  const health = await curl(first, ['--insecure', 'https://burrow.lan/api/health']);
  t.regex(health.stdout, /"status"/, `the API answers through the relay: ${health.stdout}`);
  const redirect = await curl(first, [
    '--output',
    '/dev/null',
    '--write-out',
    '%{http_code} %{redirect_url}',
    'http://burrow.lan/',
  ]);
  t.regex(redirect.stdout, /^30\d https:\/\/burrow\.lan/, 'plain HTTP redirects to HTTPS');

  // The relay listens on every address of the router, the WAN's too, as the API does on a device: from the
  // router itself the WAN address answers. From the Internet it must not: that is the firewall's job.
  const wanAddress = record.router.wanAddress.split('/')[0]!;
  const wanAddressIpv6 = record.router.wanAddressIpv6.split('/')[0]!;
  const local = await curl(gateway().router, [
    '--insecure',
    '--output',
    '/dev/null',
    '--write-out',
    '%{http_code}',
    `https://${wanAddress}/`,
  ]);
  t.is(local.code, 0, `the relay listens on the WAN address too: ${local.stderr}`);

  const capture = await gateway().captureWan('web-from-the-wan');
  const randomPort = 20_000 + Math.floor(Math.random() * 40_000);
  const internet = record.namespaces.internet;
  for (const host of [wanAddress, `[${wanAddressIpv6}]`]) {
    for (const [scheme, port] of [
      ['http', 80],
      ['https', 443],
      ['http', randomPort],
    ] as const) {
      const url = `${scheme}://${host}:${port}/`;
      const attempt = await curl(internet, ['--insecure', '--connect-timeout', '2', url]);
      t.is(attempt.code, CURL_CONNECT_TIMEOUT, `${url} from the Internet: no answer at all (${attempt.stderr.trim()})`);
    }
  }
  await capture.stop();
  // Everything the router sent from its WAN addresses but its neighbour resolution (ARP; ICMPv6 types 133-137).
  const answers = await capture.describe(
    `(ip and src host ${wanAddress} and (tcp or udp or icmp)) or ` +
      `(ip6 and src host ${wanAddressIpv6} and (tcp or udp or (icmp6 and ip6[40] < 133)))`,
  );
  t.is(answers.count, 0, `the router sent nothing back, not even a reset or an ICMP error:\n${answers.sample}`);
});
