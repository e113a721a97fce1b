// Applying and reading back the table with the real nft(8), always inside network namespaces the test creates
// and removes: atomic replacement, idempotence, refusal that leaves the old table, drift detection, and the kill
// switch itself, with real packets between a LAN, a router, a WAN and a stand-in for the tunnel.
import test, { type ExecutionContext } from 'ava';
import { isDeepStrictEqual } from 'node:util';
import { parseDesiredState, type DesiredState } from '../control/desired-state.js';
import { IP_PATH, type NamespaceExecutor, RecordingExecutor, run, type Executor } from './exec.js';
import {
  applyRuleset,
  checkRuleset,
  isLoadedRulesetCurrent,
  NFT_PATH,
  NftError,
  readLoadedRuleset,
} from './nft-apply.js';
import { renderRuleset, rulesetFingerprint, type ResolvedEndpoints } from './nft-ruleset.js';
import { throwawayNamespace, vethPair } from './testing/namespaces.js';

const asRoot = process.getuid?.() === 0 ? test : test.skip;

/** A LAN with no ports and an IPv4 tunnel, with the kill switch on or off. */
function desiredState(killSwitch: boolean): DesiredState {
  const result = parseDesiredState({
    version: 1,
    killSwitch,
    wan: { interface: 'eth0' },
    lan: {
      ports: [],
      address: '192.168.8.1/24',
      ipv6Prefix: 'fd12:3456:789a::1/64',
      dhcp: { rangeStart: '192.168.8.100', rangeEnd: '192.168.8.200' },
    },
    tunnel: {
      privateKey: 'yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=',
      addresses: ['10.2.0.2/24'],
      dns: ['10.2.0.1'],
      peers: [
        {
          publicKey: 'xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=',
          endpoint: '203.0.113.1:51820',
          allowedIps: ['0.0.0.0/0'],
        },
      ],
    },
  });
  if (!result.ok) {
    throw new Error(result.errors.join('; '));
  }
  return result.state;
}

const ENDPOINTS: ResolvedEndpoints = { endpoints: [{ address: '203.0.113.1', port: 51820 }] };
const KILL_SWITCH_ON = renderRuleset(desiredState(true), ENDPOINTS);
const KILL_SWITCH_OFF = renderRuleset(desiredState(false), ENDPOINTS);

asRoot('a namespace without our table reads as missing, and is not current', async (t) => {
  const nft = await throwawayNamespace(t, 'nft');
  t.is(await readLoadedRuleset(nft), null);
  t.deepEqual(await isLoadedRulesetCurrent(nft, KILL_SWITCH_ON), {
    current: false,
    reason: `expected ${rulesetFingerprint(KILL_SWITCH_ON)}, but the loaded table is missing (no table inet burrow)`,
  });
});

asRoot('the ruleset goes to nft on stdin, as one `nft -f -`, and reads back with its fingerprint', async (t) => {
  const recording = new RecordingExecutor(await throwawayNamespace(t, 'nft'));
  const loaded = await applyRuleset(recording, KILL_SWITCH_ON);
  t.deepEqual(recording.calls[0], { argv: [NFT_PATH, '-f', '-'], input: KILL_SWITCH_ON });
  t.is(loaded.fingerprint, rulesetFingerprint(KILL_SWITCH_ON));
  t.regex(loaded.digest, /^[0-9a-f]{64}$/);
  const forward = loaded.objects.find(
    (object) => (object['chain'] as { name?: string } | undefined)?.name === 'forward',
  );
  t.like(forward, { chain: { hook: 'forward', policy: 'drop', type: 'filter' } });
  t.false(JSON.stringify(loaded.objects).includes('"handle"'), 'handles change on every load and are dropped');
  t.deepEqual(await isLoadedRulesetCurrent(recording, KILL_SWITCH_ON), { current: true });
  t.deepEqual(await isLoadedRulesetCurrent(recording, loaded), { current: true });
});

asRoot('applying the same ruleset twice leaves the same table', async (t) => {
  const nft = await throwawayNamespace(t, 'nft');
  const first = await applyRuleset(nft, KILL_SWITCH_ON);
  const listing = (await nft.run([NFT_PATH, 'list', 'table', 'inet', 'burrow'])).stdout;
  const second = await applyRuleset(nft, KILL_SWITCH_ON);
  t.deepEqual(second, first);
  t.is((await nft.run([NFT_PATH, 'list', 'table', 'inet', 'burrow'])).stdout, listing);
  const other = await applyRuleset(nft, KILL_SWITCH_OFF);
  t.not(other.digest, first.digest);
  t.not(other.fingerprint, first.fingerprint);
});

asRoot('a broken ruleset is refused with nft’s diagnostics and the loaded table stays whole', async (t) => {
  const nft = await throwawayNamespace(t, 'nft');
  const before = await applyRuleset(nft, KILL_SWITCH_ON);
  // Broken after the `delete table`: if nft applied part of the file, the table would be gone.
  const broken = KILL_SWITCH_OFF.replace('\t\tct state invalid drop\n', '\t\tct state invalid frobnicate\n');
  t.not(broken, KILL_SWITCH_OFF);
  const error = await t.throwsAsync(applyRuleset(nft, broken), { instanceOf: NftError });
  t.regex(error.message, /^nft refused the ruleset: .*Error: .*\n.*frobnicate/s);
  t.deepEqual(await readLoadedRuleset(nft), before);

  // Valid syntax that the kernel side refuses (a jump to no chain) fails the same way.
  const dangling = KILL_SWITCH_OFF.replace('jump input_wan', 'jump no_such_chain');
  await t.throwsAsync(applyRuleset(nft, dangling), { instanceOf: NftError, message: /no_such_chain/ });
  t.deepEqual(await readLoadedRuleset(nft), before);
});

asRoot('checkRuleset evaluates without loading anything', async (t) => {
  const nft = await throwawayNamespace(t, 'nft');
  await checkRuleset(nft, KILL_SWITCH_ON);
  t.is(await readLoadedRuleset(nft), null);
  await t.throwsAsync(checkRuleset(nft, `${KILL_SWITCH_ON}\nfrobnicate\n`), {
    instanceOf: NftError,
    message: /^nft found the ruleset invalid: /,
  });
});

asRoot('a rule added by hand is noticed against the applied snapshot; re-applying repairs it', async (t) => {
  const nft = await throwawayNamespace(t, 'nft');
  const applied = await applyRuleset(nft, KILL_SWITCH_ON);
  await nft.run([NFT_PATH, 'insert', 'rule', 'inet', 'burrow', 'forward', 'accept']);
  const status = await isLoadedRulesetCurrent(nft, applied);
  t.deepEqual(status, {
    current: false,
    reason: 'the loaded table has the expected fingerprint but was changed since it was applied',
  });
  t.deepEqual(
    await isLoadedRulesetCurrent(nft, KILL_SWITCH_ON),
    { current: true },
    'the text alone sees the fingerprint',
  );
  await applyRuleset(nft, KILL_SWITCH_ON);
  t.deepEqual(await isLoadedRulesetCurrent(nft, applied), { current: true });
});

/**
 * LAN device ── br-lan [router] eth0 ── WAN host (203.0.113.1, 2001:db8:1::1)
 *                         wg0 ── tunnel far end (10.2.0.1): a veth named like the TUN, so it can vanish and return.
 * The WAN host routes the LAN back without NAT, so only our table decides what gets through.
 */
async function household(t: ExecutionContext) {
  const [router, lan, wan, far] = await Promise.all([
    throwawayNamespace(t, 'ks'),
    throwawayNamespace(t, 'ks'),
    throwawayNamespace(t, 'ks'),
    throwawayNamespace(t, 'ks'),
  ]);
  const ip = (ns: NamespaceExecutor, ...args: string[]) => run([IP_PATH, '-n', ns.namespace, ...args]);
  const link = async (a: NamespaceExecutor, aName: string, b: NamespaceExecutor, bName: string) => {
    await vethPair(a, aName, b, bName);
    await ip(a, 'link', 'set', aName, 'up');
    await ip(b, 'link', 'set', bName, 'up');
  };
  const address = (ns: NamespaceExecutor, device: string, ...cidrs: string[]) =>
    Promise.all(
      cidrs.map((cidr) => ip(ns, 'address', 'add', cidr, 'dev', device, ...(cidr.includes(':') ? ['nodad'] : []))),
    );

  await link(lan, 'eth0', router, 'br-lan');
  await link(router, 'eth0', wan, 'eth0');
  await address(lan, 'eth0', '192.168.8.100/24', 'fd12:3456:789a::100/64');
  await address(router, 'br-lan', '192.168.8.1/24', 'fd12:3456:789a::1/64');
  await address(router, 'eth0', '203.0.113.2/24', '2001:db8:1::2/64');
  await address(wan, 'eth0', '203.0.113.1/24', '2001:db8:1::1/64');
  await ip(lan, 'route', 'add', 'default', 'via', '192.168.8.1');
  await ip(lan, '-6', 'route', 'add', 'default', 'via', 'fd12:3456:789a::1');
  await ip(router, 'route', 'add', 'default', 'via', '203.0.113.1');
  await ip(router, '-6', 'route', 'add', 'default', 'via', '2001:db8:1::1');
  await ip(wan, 'route', 'add', '192.168.8.0/24', 'via', '203.0.113.2');
  await ip(wan, '-6', 'route', 'add', 'fd12:3456:789a::/64', 'via', '2001:db8:1::2');
  await router.run(['sysctl', '-qw', 'net.ipv4.ip_forward=1', 'net.ipv6.conf.all.forwarding=1']);

  const tunnelUp = async () => {
    await link(router, 'wg0', far, 'eth0');
    await address(router, 'wg0', '10.2.0.2/24');
    await address(far, 'eth0', '10.2.0.1/24');
  };
  const tunnelDown = () => ip(router, 'link', 'delete', 'wg0');
  return { router, lan, wan, far, tunnelUp, tunnelDown };
}

async function reaches(from: Executor, address: string): Promise<boolean> {
  const { code } = await from.run(['ping', '-n', '-c', '1', '-W', '2', address], { okExitCodes: [1] });
  return code === 0;
}

/** A TCP connection attempt: refused by the host (it got there), or dropped on the way (curl times out). */
async function tcpTo(from: Executor, address: string): Promise<'refused' | 'dropped' | 'other'> {
  const { code } = await from.run(['curl', '-s', '--max-time', '2', `http://${address}:9/`], { okExitCodes: [7, 28] });
  return code === 7 ? 'refused' : code === 28 ? 'dropped' : 'other';
}

asRoot('the kill switch holds with real packets, also while the tunnel interface is gone', async (t) => {
  const { router, lan, tunnelUp, tunnelDown } = await household(t);
  await tunnelUp();
  t.true(await reaches(lan, '203.0.113.1'), 'without our table the LAN reaches the WAN');

  await applyRuleset(router, renderRuleset(null));
  t.false(await reaches(lan, '203.0.113.1'), 'the minimal table forwards nothing');
  t.is(await tcpTo(router, '203.0.113.1'), 'refused', 'the router itself still reaches the WAN (the probe works)');

  const applied = await applyRuleset(router, KILL_SWITCH_ON);
  t.false(await reaches(lan, '203.0.113.1'), 'kill switch: no LAN IPv4 to the WAN');
  t.false(await reaches(lan, '2001:db8:1::1'), 'kill switch: no LAN IPv6 to the WAN');
  t.true(await reaches(lan, '10.2.0.1'), 'the LAN reaches through the tunnel, masqueraded');
  t.true(await reaches(lan, '192.168.8.1'), 'the LAN reaches the router');
  t.is(await tcpTo(router, '203.0.113.1'), 'dropped', "the router's own traffic stays off the WAN");
  t.true(await reaches(router, '203.0.113.1'), "root's ping gets out: the recovery console's diagnostics");

  await tunnelDown();
  t.false(await reaches(lan, '10.2.0.1'), 'with the tunnel gone its traffic would go out the WAN: refused');
  await tunnelUp();
  t.true(await reaches(lan, '10.2.0.1'), 'a new interface of the same name is matched without re-applying');
  t.deepEqual(await isLoadedRulesetCurrent(router, applied), { current: true }, 'counters moved; the table did not');

  await applyRuleset(router, KILL_SWITCH_OFF);
  t.true(await reaches(lan, '203.0.113.1'), 'kill switch off: LAN IPv4 may use the WAN');
  t.false(await reaches(lan, '2001:db8:1::1'), 'LAN IPv6 never leaves through the WAN');
  t.true(await reaches(router, '203.0.113.1'), 'kill switch off: the router may use the WAN');

  await applyRuleset(router, KILL_SWITCH_ON);
  t.false(await reaches(lan, '203.0.113.1'), 'kill switch back on');
});

const NOBODY = 65534;

/**
 * Sends one DNS-sized datagram (UDP) or connection attempt (TCP) to `address` port 53 from inside `ns`, from a
 * socket that `uid` owns, which is what nft's `meta skuid` matches (dnsmasq's sockets belong to the unprivileged
 * user it drops to). `ip netns exec` needs root, so a launcher starts as root inside the namespace and spawns the
 * sender as `uid`. Resolves with what the sender saw: "sent", "connected", or the error code (EPERM: a netfilter
 * drop on the way out).
 */
async function sendDns(ns: Executor, address: string, protocol: 'udp' | 'tcp', uid: number): Promise<string> {
  const sender = `const [address, protocol] = process.argv.slice(1);
const done = (outcome) => { console.log(outcome); process.exit(0); };
if (protocol === 'udp') {
  const socket = require('node:dgram').createSocket(address.includes(':') ? 'udp6' : 'udp4');
  socket.send('burrow dns probe', 53, address, (error) => done(error ? error.code : 'sent'));
} else {
  const socket = require('node:net').connect(53, address);
  socket.setTimeout(1500, () => done('timeout'));
  socket.on('connect', () => done('connected')).on('error', (error) => done(error.code));
}`;
  const launcher = `const { execFileSync } = require('node:child_process');
const [uid, ...args] = process.argv.slice(1);
process.stdout.write(execFileSync(process.execPath, args, { uid: Number(uid), gid: Number(uid) }));`;
  const { stdout } = await ns.run([process.execPath, '-e', launcher, String(uid), '-e', sender, address, protocol]);
  return stdout.trim();
}

/** Counts what arrives at port 53 in `ns` (packets, per protocol), with a table of its own there. */
async function dnsArrivals(ns: Executor): Promise<() => Promise<{ udp: number; tcp: number }>> {
  await ns.run([NFT_PATH, '-f', '-'], {
    input: [
      'table inet probe {',
      '\tcounter udp_dns {}',
      '\tcounter tcp_dns {}',
      '\tchain input {',
      '\t\ttype filter hook input priority filter; policy accept;',
      '\t\tudp dport 53 counter name udp_dns',
      '\t\ttcp dport 53 tcp flags syn / syn,ack counter name tcp_dns',
      '\t}',
      '}',
      '',
    ].join('\n'),
  });
  const packets = async (name: string) => {
    const { stdout } = await ns.run([NFT_PATH, '-j', 'list', 'counter', 'inet', 'probe', name]);
    const listed = JSON.parse(stdout) as { nftables: Array<{ counter?: { packets: number } }> };
    return listed.nftables.find((object) => object.counter !== undefined)!.counter!.packets;
  };
  return async () => ({ udp: await packets('udp_dns'), tcp: await packets('tcp_dns') });
}

asRoot(
  "kill switch on: the router's DNS to the WAN is root's only; an unprivileged user's uses the tunnel",
  async (t) => {
    const { router, wan, far, tunnelUp } = await household(t);
    await tunnelUp();
    await applyRuleset(router, KILL_SWITCH_ON);
    const atWan = await dnsArrivals(wan);
    const atFar = await dnsArrivals(far);

    // dnsmasq's user: refused on the way out, so a query it forwards can never reach the WAN.
    t.is(await sendDns(router, '203.0.113.1', 'udp', NOBODY), 'EPERM');
    t.is(await sendDns(router, '2001:db8:1::1', 'udp', NOBODY), 'EPERM');
    t.is(await sendDns(router, '203.0.113.1', 'tcp', NOBODY), 'timeout', 'every SYN dropped');
    // Root (burrowd resolving endpoint names) may; sent after, so anything of nobody's would have arrived first.
    t.is(await sendDns(router, '203.0.113.1', 'udp', 0), 'sent');
    t.is(await sendDns(router, '2001:db8:1::1', 'udp', 0), 'sent');
    t.is(await sendDns(router, '203.0.113.1', 'tcp', 0), 'ECONNREFUSED', 'the WAN host answered: nothing listens');
    t.deepEqual(await settled(atWan, { udp: 2, tcp: 1 }), { udp: 2, tcp: 1 }, "only root's queries reached the WAN");

    t.is(await sendDns(router, '10.2.0.1', 'udp', NOBODY), 'sent');
    t.deepEqual(
      await settled(atFar, { udp: 1, tcp: 0 }),
      { udp: 1, tcp: 0 },
      "dnsmasq's user still reaches the tunnel",
    );
  },
);

/** Sends one UDP datagram from inside `ns` (as root) to `address`:`port`; resolves with "sent" or the error code. */
async function sendUdp(ns: Executor, address: string, port: number): Promise<string> {
  const sender = `const [address, port] = process.argv.slice(1);
const socket = require('node:dgram').createSocket('udp4');
socket.send('burrow probe', Number(port), address, (error) => { console.log(error ? error.code : 'sent'); process.exit(0); });`;
  const { stdout } = await ns.run([process.execPath, '-e', sender, address, String(port)]);
  return stdout.trim();
}

/** Counts the UDP packets to `port` that arrive in `ns`, with a table of its own there. */
async function udpArrivals(ns: Executor, port: number): Promise<() => Promise<number>> {
  await ns.run([NFT_PATH, '-f', '-'], {
    input: `table inet probe_udp {\n\tcounter arrived {}\n\tchain input {\n\t\ttype filter hook input priority filter; policy accept;\n\t\tudp dport ${port} counter name arrived\n\t}\n}\n`,
  });
  return async () => {
    const { stdout } = await ns.run([NFT_PATH, '-j', 'list', 'counter', 'inet', 'probe_udp', 'arrived']);
    const listed = JSON.parse(stdout) as { nftables: Array<{ counter?: { packets: number } }> };
    return listed.nftables.find((object) => object.counter !== undefined)!.counter!.packets;
  };
}

asRoot("kill switch on: the router's own NTP goes out the WAN, a LAN device's never", async (t) => {
  const { router, lan, wan, tunnelUp } = await household(t);
  await tunnelUp();
  await applyRuleset(router, KILL_SWITCH_ON);
  const atWan = await udpArrivals(wan, 123);

  // The LAN device first: anything of its own would have arrived before the router's.
  t.is(await sendUdp(lan, '203.0.113.1', 123), 'sent', 'the device sends; the router refuses to forward it');
  t.is(await sendUdp(router, '203.0.113.1', 123), 'sent');
  t.is(await settled(atWan, 1), 1, "only the router's NTP reached the WAN");
  t.is(await sendUdp(router, '203.0.113.1', 124), 'EPERM', 'other router traffic stays off the WAN');
});

/** Reads `count` until it equals `expected` or 3 s pass (a first IPv6 packet waits for neighbour discovery). */
async function settled<T>(count: () => Promise<T>, expected: T): Promise<T> {
  const deadline = Date.now() + 3000;
  for (;;) {
    const counted = await count();
    if (isDeepStrictEqual(counted, expected) || Date.now() > deadline) {
      return counted;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
