// applyNetworkTargets against the kernel, always inside network namespaces the test creates and removes: a router
// with a WAN veth to an "internet" namespace (the main table's default route goes there), a LAN veth that the
// apply puts into br-lan, and a TUN named like the tunnel (a persistent one, or the real engine's). Routing is
// proved with `ip route get ... iif br-lan`, the kernel's own answer for a packet arriving from the LAN.
import test, { type ExecutionContext } from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { ExecError, IP_PATH, type NamespaceExecutor, RecordingExecutor, run } from './exec.js';
import { applyNetworkTargets, NetworkApplyError, planNetworkChanges, readNetworkState } from './netlink.js';
import { renderNetworkTargets, type NetworkTargets } from './network-targets.js';
import { labTargets } from './testing/lab-targets.js';
import { throwawayNamespace, vethPair } from './testing/namespaces.js';

const asRoot = process.getuid?.() === 0 ? test : test.skip;

const INTERNET_V4 = '203.0.113.10';
const INTERNET_V6 = '2001:db8:200::10';
const LAN_DEVICE_V4 = '100.64.8.100';
const LAN_DEVICE_V6 = 'fd08::100';

/** `ip -n NS ARGS`: sets up a namespace from outside it. */
function ip(ns: NamespaceExecutor, ...args: string[]) {
  return run([IP_PATH, '-n', ns.namespace, ...args]);
}

/**
 * router eth0 (198.51.100.2) ── eth0 internet (198.51.100.1, and the Internet hosts' addresses)
 * router lan0 (down, in no bridge) ── eth0 lan device
 * router wg0: a persistent TUN, as the engine would leave it before configuration (down, MTU 1500).
 */
async function household(t: ExecutionContext) {
  const [router, internet, lan] = await Promise.all([
    throwawayNamespace(t, 'netlink', { loopbackUp: true }),
    throwawayNamespace(t, 'netlink', { loopbackUp: true }),
    throwawayNamespace(t, 'netlink', { loopbackUp: true }),
  ]);
  await vethPair(router, 'eth0', internet, 'eth0');
  for (const [ns, v4, v6] of [
    [router, '198.51.100.2/24', '2001:db8:100::2/64'],
    [internet, '198.51.100.1/24', '2001:db8:100::1/64'],
  ] as const) {
    await ip(ns, 'address', 'add', v4, 'dev', 'eth0');
    await ip(ns, 'address', 'add', v6, 'dev', 'eth0', 'nodad');
    await ip(ns, 'link', 'set', 'eth0', 'up');
  }
  await ip(internet, 'address', 'add', `${INTERNET_V4}/32`, 'dev', 'lo');
  await ip(internet, 'address', 'add', `${INTERNET_V6}/128`, 'dev', 'lo');
  await ip(router, 'route', 'add', 'default', 'via', '198.51.100.1');
  await ip(router, '-6', 'route', 'add', 'default', 'via', '2001:db8:100::1');
  await vethPair(router, 'lan0', lan, 'eth0');
  await ip(lan, 'link', 'set', 'eth0', 'up');
  await router.run(['/usr/sbin/sysctl', '-qw', 'net.ipv4.ip_forward=1', 'net.ipv6.conf.all.forwarding=1']);
  const tunnelUp = () => ip(router, 'tuntap', 'add', 'dev', 'wg0', 'mode', 'tun');
  const tunnelGone = () => ip(router, 'link', 'delete', 'wg0');
  await tunnelUp();
  return { router, tunnelUp, tunnelGone };
}

type RouteAnswer = { dev: string; table: string; gateway?: string } | { error: string };

/** The kernel's route for a packet from `from` to `to`; `iif` makes it one arriving there (forwarded). */
async function routeGet(router: NamespaceExecutor, to: string, from?: string, iif = 'br-lan'): Promise<RouteAnswer> {
  const args = ['-j', 'route', 'get', to, ...(from === undefined ? [] : ['from', from, 'iif', iif])];
  try {
    const { stdout } = await ip(router, ...args);
    const [answer] = JSON.parse(stdout) as Array<{ dev: string; table?: string; gateway?: string }>;
    return {
      dev: answer!.dev,
      table: answer!.table ?? 'main',
      ...(answer!.gateway ? { gateway: answer!.gateway } : {}),
    };
  } catch (error) {
    if (error instanceof ExecError && error.failure === 'exit') {
      return { error: error.stderr };
    }
    throw error;
  }
}

const VIA_TUNNEL = { dev: 'wg0', table: '51820' };
const UNREACHABLE = { error: 'RTNETLINK answers: No route to host' };
const VIA_WAN_V4 = { dev: 'eth0', table: 'main', gateway: '198.51.100.1' };

async function text(router: NamespaceExecutor, ...args: string[]): Promise<string[]> {
  const { stdout } = await ip(router, ...args);
  return stdout
    .split('\n')
    .map((line) => line.trim().replace(/\s+/g, ' '))
    .filter((line) => line !== '');
}

const ownedRules = async (router: NamespaceExecutor, family: '-4' | '-6') =>
  (await text(router, family, 'rule', 'show')).filter((line) => /^10\d\d:/.test(line));

asRoot('the household targets applied to a fresh router, and a second apply changes nothing', async (t) => {
  const { router } = await household(t);
  const recording = new RecordingExecutor(router);
  const targets = labTargets();
  const plan = planNetworkChanges(await readNetworkState(router), targets);
  const first = await applyNetworkTargets(recording, targets);
  t.deepEqual(first.missingInterfaces, []);
  t.deepEqual(first.changes, plan.commands, 'one pass, every line of the plan');
  const batches = recording.calls.filter((call) => call.argv.includes('-batch'));
  t.deepEqual(
    batches.map((call) => call.argv),
    [
      [IP_PATH, '-force', '-batch', '-'],
      [IP_PATH, '-6', '-force', '-batch', '-'],
    ],
    'one batch, plus one for the IPv6 rules (ip reads rule lines as IPv4 otherwise)',
  );
  t.is(batches[0]!.input, `${plan.commands.filter((line) => !line.startsWith('-6 ')).join('\n')}\n`);
  t.is(
    batches[1]!.input,
    `${plan.commands
      .filter((line) => line.startsWith('-6 '))
      .map((line) => line.slice(3))
      .join('\n')}\n`,
  );

  const { stdout } = await ip(router, '-j', '-d', 'link', 'show');
  const links = JSON.parse(stdout) as Array<{
    ifname: string;
    flags: string[];
    mtu: number;
    master?: string;
    linkinfo?: { info_kind: string };
  }>;
  const link = (name: string) => links.find((entry) => entry.ifname === name);
  t.like(link('br-lan'), { linkinfo: { info_kind: 'bridge' } });
  t.true(link('br-lan')!.flags.includes('UP'));
  t.like(link('lan0'), { master: 'br-lan' });
  t.true(link('lan0')!.flags.includes('UP'));
  t.like(link('wg0'), { mtu: 1420 });
  t.true(link('wg0')!.flags.includes('UP'));
  t.deepEqual(await text(router, '-4', 'address', 'show', 'dev', 'br-lan', 'scope', 'global').then(inets), [
    'inet 100.64.8.1/24',
  ]);
  t.deepEqual(await text(router, 'address', 'show', 'dev', 'wg0', 'scope', 'global').then(inets), [
    'inet 100.96.0.2/32',
    'inet6 fd96::2/128',
  ]);
  t.deepEqual(await text(router, '-4', 'route', 'show', 'table', '51820'), [
    'default dev wg0 scope link linkdown',
    'unreachable default metric 4278198272',
    '100.96.0.1 dev wg0 scope link linkdown',
    'unreachable 100.96.0.1 metric 4278198272',
  ]);
  t.deepEqual(await text(router, '-6', 'route', 'show', 'table', '51820'), [
    'default dev wg0 metric 1024 linkdown pref medium',
    'unreachable default dev lo metric 4278198272 pref medium',
  ]);
  t.deepEqual(await ownedRules(router, '-4'), [
    '1000: from all iif br-lan lookup 51820',
    '1001: from all fwmark 0xca6c lookup main',
    '1002: from all to 100.96.0.1 lookup 51820',
    '1003: from 100.96.0.2 lookup 51820',
    '1004: from 100.96.0.2 unreachable',
  ]);
  t.deepEqual(await ownedRules(router, '-6'), [
    '1000: from all iif br-lan lookup 51820',
    '1001: from all fwmark 0xca6c lookup main',
    '1003: from fd96::2 lookup 51820',
    '1004: from fd96::2 unreachable',
  ]);

  t.deepEqual(await routeGet(router, INTERNET_V4, LAN_DEVICE_V4), VIA_TUNNEL, 'LAN IPv4 goes into the tunnel');
  t.deepEqual(await routeGet(router, INTERNET_V6, LAN_DEVICE_V6), VIA_TUNNEL, 'LAN IPv6 goes into the tunnel');
  t.deepEqual(await routeGet(router, '100.64.8.1', LAN_DEVICE_V4), { dev: 'lo', table: 'local' }, 'the router');
  t.deepEqual(await routeGet(router, '100.96.0.1'), VIA_TUNNEL, "the router's DNS goes to the tunnel's resolver");
  t.deepEqual(await routeGet(router, INTERNET_V4), VIA_WAN_V4, "the router's own traffic uses the main table");

  const before = recording.calls.length;
  const second = await applyNetworkTargets(recording, targets);
  t.deepEqual(second.changes, []);
  t.false(
    recording.calls.slice(before).some((call) => call.argv.includes('-batch')),
    'the second apply only reads',
  );
  t.deepEqual(second.state, await readNetworkState(router));
});

asRoot('the tunnel interface gone: LAN lookups hit unreachable, never the WAN; its return is restored', async (t) => {
  const { router, tunnelUp, tunnelGone } = await household(t);
  const targets = labTargets();
  await applyNetworkTargets(router, targets);
  t.deepEqual(await routeGet(router, INTERNET_V4, LAN_DEVICE_V4), VIA_TUNNEL);

  await tunnelGone();
  t.deepEqual(await routeGet(router, INTERNET_V4, LAN_DEVICE_V4), UNREACHABLE, 'IPv4: no fall-through to the WAN');
  t.deepEqual(await routeGet(router, INTERNET_V6, LAN_DEVICE_V6), UNREACHABLE, 'IPv6: no fall-through to the WAN');
  t.deepEqual(await routeGet(router, '100.96.0.1'), UNREACHABLE, "the router's DNS does not leave by the WAN");
  t.deepEqual(await routeGet(router, INTERNET_V4), VIA_WAN_V4, 'the router itself still reaches the WAN');

  for (const attempt of ['first', 'second']) {
    const result = await applyNetworkTargets(router, targets);
    t.deepEqual(result.changes, [], `${attempt} apply while the tunnel is missing changes nothing`);
    t.deepEqual(result.missingInterfaces, ['wg0']);
    t.deepEqual(
      result.pending.routes.map((route) => `${route.family} ${route.destination}`),
      ['4 0.0.0.0/0', '6 ::/0', '4 100.96.0.1/32'],
    );
    t.deepEqual(
      result.pending.addresses.map((address) => address.cidr),
      ['100.96.0.2/32', 'fd96::2/128'],
    );
  }
  t.deepEqual(await routeGet(router, INTERNET_V4, LAN_DEVICE_V4), UNREACHABLE);

  await tunnelUp();
  const restored = await applyNetworkTargets(router, targets);
  t.deepEqual(restored.missingInterfaces, []);
  t.deepEqual(restored.changes, [
    'link set dev wg0 mtu 1420 up',
    'address add 100.96.0.2/32 dev wg0',
    'address add fd96::2/128 dev wg0',
    'route add table 51820 unicast 0.0.0.0/0 dev wg0 metric 0',
    'route add table 51820 unicast ::/0 dev wg0 metric 1024',
    'route add table 51820 unicast 100.96.0.1/32 dev wg0 metric 0',
  ]);
  t.deepEqual(await routeGet(router, INTERNET_V4, LAN_DEVICE_V4), VIA_TUNNEL);
  t.deepEqual(await routeGet(router, INTERNET_V6, LAN_DEVICE_V6), VIA_TUNNEL);
  t.deepEqual(await routeGet(router, '100.96.0.1'), VIA_TUNNEL);
});

asRoot(
  'kill switch off: with the tunnel gone LAN IPv4 falls back to the WAN, LAN IPv6 stays unreachable',
  async (t) => {
    const { router, tunnelUp, tunnelGone } = await household(t);
    const targets = labTargets({ killSwitch: false });
    await applyNetworkTargets(router, targets);
    t.deepEqual(await routeGet(router, INTERNET_V4, LAN_DEVICE_V4), VIA_TUNNEL, 'the tunnel first, while it is there');
    t.deepEqual(await routeGet(router, INTERNET_V6, LAN_DEVICE_V6), VIA_TUNNEL);

    await tunnelGone();
    t.deepEqual(await routeGet(router, INTERNET_V4, LAN_DEVICE_V4), VIA_WAN_V4);
    t.deepEqual(await routeGet(router, INTERNET_V6, LAN_DEVICE_V6), UNREACHABLE);

    await tunnelUp();
    await applyNetworkTargets(router, targets);
    t.deepEqual(await routeGet(router, INTERNET_V4, LAN_DEVICE_V4), VIA_TUNNEL);

    // Turning the kill switch on closes the fallback at once, tunnel or not.
    await applyNetworkTargets(router, labTargets());
    await tunnelGone();
    t.deepEqual(await routeGet(router, INTERNET_V4, LAN_DEVICE_V4), UNREACHABLE);
  },
);

asRoot(
  "kill switch off and the tunnel gone: the router's DNS to the tunnel's resolvers is unreachable, never via the WAN",
  async (t) => {
    const { router, tunnelGone } = await household(t);
    const targets = labTargets({ killSwitch: false }, 'wg0', ['100.96.0.1', 'fd96::1']);
    await applyNetworkTargets(router, targets);
    t.deepEqual(await routeGet(router, '100.96.0.1'), VIA_TUNNEL, 'through the tunnel while it is there');
    t.deepEqual(await routeGet(router, 'fd96::1'), VIA_TUNNEL);

    await tunnelGone();
    t.deepEqual(await routeGet(router, INTERNET_V4, LAN_DEVICE_V4), VIA_WAN_V4, 'the kill switch is really off');
    t.deepEqual(
      await routeGet(router, '100.96.0.1'),
      UNREACHABLE,
      'dnsmasq forwards to it: not in plaintext by the WAN',
    );
    t.deepEqual(await routeGet(router, 'fd96::1'), UNREACHABLE);
    t.deepEqual(await routeGet(router, INTERNET_V4), VIA_WAN_V4, 'the router itself still reaches the WAN');
    const held = await applyNetworkTargets(router, targets);
    t.deepEqual(held.changes, [], 'the unreachable routes are the targets: nothing to repair');
    t.deepEqual(
      held.pending.routes.map((route) => `${route.family} ${route.destination}`),
      ['4 0.0.0.0/0', '6 ::/0', '4 100.96.0.1/32', '6 fd96::1/128'],
    );

    // Without its unreachable route the resolver's lookup falls through to the main table: the leak it prevents.
    await ip(router, 'route', 'del', 'table', '51820', 'unreachable', '100.96.0.1/32', 'metric', '4278198272');
    t.deepEqual(await routeGet(router, '100.96.0.1'), VIA_WAN_V4);
    t.deepEqual((await applyNetworkTargets(router, targets)).changes, [
      'route add table 51820 unreachable 100.96.0.1/32 metric 4278198272',
    ]);
    t.deepEqual(await routeGet(router, '100.96.0.1'), UNREACHABLE);
  },
);

asRoot('Burrow owns table 51820 and rules 1000-1099 whole; what the admin added elsewhere stays', async (t) => {
  const { router } = await household(t);
  const targets = labTargets();
  await applyNetworkTargets(router, targets);
  const applied = {
    routes4: await text(router, '-4', 'route', 'show', 'table', '51820'),
    rules4: await ownedRules(router, '-4'),
    rules6: await ownedRules(router, '-6'),
  };

  // In Burrow's: a route, the tunnel route pointed elsewhere, rules at owned priorities, a stray LAN address.
  await ip(router, 'route', 'add', '10.9.0.0/16', 'via', '198.51.100.1', 'table', '51820');
  await ip(router, 'route', 'replace', 'default', 'dev', 'eth0', 'table', '51820');
  await ip(router, 'rule', 'add', 'priority', '1050', 'lookup', 'main');
  await ip(router, '-6', 'rule', 'add', 'priority', '1099', 'lookup', 'main');
  await ip(router, 'rule', 'add', 'priority', '1000', 'iif', 'eth0', 'lookup', 'main');
  await ip(router, 'address', 'add', '100.64.9.1/24', 'dev', 'br-lan');
  // Not Burrow's: a main-table route, a rule elsewhere, a WAN address.
  await ip(router, 'route', 'add', '192.0.2.0/24', 'via', '198.51.100.1');
  await ip(router, 'rule', 'add', 'priority', '2000', 'lookup', 'main');
  await ip(router, 'address', 'add', '198.51.100.77/24', 'dev', 'eth0');
  t.deepEqual(await routeGet(router, INTERNET_V4, LAN_DEVICE_V4), { dev: 'eth0', table: '51820' }, 'tampered');

  const repaired = await applyNetworkTargets(router, targets);
  t.not(repaired.changes.length, 0);
  t.deepEqual(await text(router, '-4', 'route', 'show', 'table', '51820'), applied.routes4);
  t.deepEqual(await ownedRules(router, '-4'), applied.rules4);
  t.deepEqual(await ownedRules(router, '-6'), applied.rules6);
  t.deepEqual(await text(router, '-4', 'address', 'show', 'dev', 'br-lan').then(inets), ['inet 100.64.8.1/24']);
  t.deepEqual(await routeGet(router, INTERNET_V4, LAN_DEVICE_V4), VIA_TUNNEL);

  t.true((await text(router, 'route', 'show')).includes('192.0.2.0/24 via 198.51.100.1 dev eth0'));
  t.true((await text(router, 'rule', 'show')).includes('2000: from all lookup main'));
  t.true((await text(router, '-4', 'address', 'show', 'dev', 'eth0').then(inets)).includes('inet 198.51.100.77/24'));
  t.is(
    (await text(router, '-6', 'address', 'show', 'dev', 'br-lan', 'scope', 'link')).filter((line) =>
      line.startsWith('inet6 fe80:'),
    ).length,
    1,
    "the bridge's link-local address is the kernel's and stays",
  );
  t.deepEqual((await applyNetworkTargets(router, targets)).changes, []);
});

asRoot('no desired state takes every Burrow route and rule away; the bridge and addresses stay', async (t) => {
  const { router } = await household(t);
  await applyNetworkTargets(router, labTargets());
  const result = await applyNetworkTargets(router, renderNetworkTargets(null));
  t.true(result.changes.includes('rule del priority 1000'));
  t.deepEqual(await text(router, '-4', 'route', 'show', 'table', '51820'), []);
  t.deepEqual(await text(router, '-6', 'route', 'show', 'table', '51820'), []);
  t.deepEqual(await ownedRules(router, '-4'), []);
  t.deepEqual(await ownedRules(router, '-6'), []);
  t.deepEqual(await routeGet(router, INTERNET_V4), VIA_WAN_V4);
  t.true((await text(router, '-4', 'address', 'show', 'dev', 'br-lan').then(inets)).includes('inet 100.64.8.1/24'));
  t.deepEqual((await applyNetworkTargets(router, renderNetworkTargets(null))).changes, []);
});

asRoot('a line ip refuses for good: the rest still applies, then the apply fails with ip’s words', async (t) => {
  const { router } = await household(t);
  const targets = labTargets();
  // Hand-made: the schema would never let the loopback be a LAN port, and the kernel refuses it every time.
  const refused: NetworkTargets = { ...targets, links: { ...targets.links, ports: ['lo', 'lan0'] } };
  const error = await t.throwsAsync(applyNetworkTargets(router, refused), { instanceOf: NetworkApplyError });
  t.deepEqual(error.remaining, ['link set dev lo master br-lan']);
  t.is(error.failures.length, 1);
  t.regex(error.failures[0]!, /^link set dev lo master br-lan: .+/);
  t.regex(
    error.message,
    /did not reach its targets after 3 passes; still to do: link set dev lo master br-lan; ip reported: /,
  );
  t.deepEqual(await routeGet(router, INTERNET_V4, LAN_DEVICE_V4), VIA_TUNNEL, 'every other line ran');
  t.deepEqual((await applyNetworkTargets(router, targets)).changes, []);
});

asRoot(
  'the real engine: its TUN is configured, its crash leaves LAN lookups unreachable, its restart is restored',
  async (t) => {
    const { router, tunnelGone } = await household(t);
    await tunnelGone();
    // Unique: the engine's UAPI socket lives in the host's /var/run/wireguard, shared by every namespace.
    const name = `bt${randomBytes(4).toString('hex')}`;
    const targets = labTargets({}, name);
    const engine = startEngine(t, router, name);
    await waitForLink(router, name, true);

    const applied = await applyNetworkTargets(router, targets);
    t.deepEqual(applied.missingInterfaces, []);
    t.deepEqual(await routeGet(router, INTERNET_V4, LAN_DEVICE_V4), { dev: name, table: '51820' });

    engine.kill('SIGKILL');
    await once(engine, 'exit');
    await waitForLink(router, name, false);
    t.deepEqual(await routeGet(router, INTERNET_V4, LAN_DEVICE_V4), UNREACHABLE);
    t.deepEqual((await applyNetworkTargets(router, targets)).missingInterfaces, [name]);

    startEngine(t, router, name);
    await waitForLink(router, name, true);
    const restored = await applyNetworkTargets(router, targets);
    t.deepEqual(restored.missingInterfaces, []);
    t.deepEqual(await routeGet(router, INTERNET_V4, LAN_DEVICE_V4), { dev: name, table: '51820' });
    t.deepEqual(await routeGet(router, INTERNET_V6, LAN_DEVICE_V6), { dev: name, table: '51820' });
  },
);

const ENGINE = fileURLToPath(new URL('../../bin/burrow-wg', import.meta.url));

/** burrow-wg in the foreground inside the namespace (`ip netns exec` execs it, so the child is the engine). */
function startEngine(t: ExecutionContext, ns: NamespaceExecutor, name: string): ChildProcess {
  const child = spawn(IP_PATH, ['netns', 'exec', ns.namespace, process.execPath, ENGINE, '-f', name], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      // SIGTERM, so the engine removes its UAPI socket.
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  });
  child.on('exit', (code, signal) => {
    if (code !== null && code !== 0) {
      t.log(`burrow-wg exited with ${code ?? signal}: ${stderr}`);
    }
  });
  return child;
}

async function waitForLink(ns: NamespaceExecutor, name: string, present: boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const { stdout } = await ip(ns, '-j', 'link', 'show');
    const exists = (JSON.parse(stdout) as Array<{ ifname: string }>).some((link) => link.ifname === name);
    if (exists === present) {
      return;
    }
    if (Date.now() > deadline) {
      throw new Error(`${name} is still ${present ? 'missing' : 'there'} after 10 s`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The "inet ADDR/LEN" part of `ip address show` lines. */
function inets(lines: string[]): string[] {
  return lines.filter((line) => /^inet6? /.test(line)).map((line) => line.split(' ').slice(0, 2).join(' '));
}
