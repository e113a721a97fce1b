// sysctl.ts against the real /proc/sys of throwaway network namespaces: net.* parameters belong to the namespace of
// the process that opens them, so each check runs in a small Node child started with `ip netns exec`, which
// imports the compiled module and reports every call's result (or error) as JSON. The host is never written.
import test from 'ava';
import { readFile } from 'node:fs/promises';
import { parseDesiredState } from '../control/desired-state.js';
import { IP_PATH, type NamespaceExecutor, run } from './exec.js';
import { renderNetworkTargets } from './network-targets.js';
import { SysctlError, sysctlPath } from './sysctl.js';
import { throwawayNamespace } from './testing/namespaces.js';

const asRoot = process.getuid?.() === 0 ? test : test.skip;

const SYSCTL_MODULE = new URL('./sysctl.js', import.meta.url).href;
/** Runs [function, ...args] calls of sysctl.js in order and prints their outcomes; argv: module URL, calls JSON. */
const CHILD = `
const [moduleUrl, calls] = process.argv.slice(1);
const sysctl = await import(moduleUrl);
const outcomes = [];
for (const [name, ...args] of JSON.parse(calls)) {
  try {
    outcomes.push({ value: (await sysctl[name](...args)) ?? null });
  } catch (error) {
    outcomes.push({ error: { name: error.name, key: error.key, message: error.message } });
  }
}
process.stdout.write(JSON.stringify(outcomes));
`;

type Outcome = { value: unknown } | { error: { name: string; key?: string; message: string } };

/** The calls' outcomes, from a child in `ns`. */
async function inNamespace(ns: NamespaceExecutor, calls: Array<[string, ...unknown[]]>): Promise<Outcome[]> {
  const { stdout } = await ns.run([
    process.execPath,
    '--input-type=module',
    '-e',
    CHILD,
    SYSCTL_MODULE,
    JSON.stringify(calls),
  ]);
  return JSON.parse(stdout) as Outcome[];
}

test('keys map to /proc/sys paths the way sysctl(8) reads them', (t) => {
  t.is(sysctlPath('net.ipv4.ip_forward'), '/proc/sys/net/ipv4/ip_forward');
  t.is(sysctlPath('net.ipv4.conf.eth0/100.rp_filter'), '/proc/sys/net/ipv4/conf/eth0.100/rp_filter');
  t.is(sysctlPath('net.ipv6.conf.br-lan.accept_ra'), '/proc/sys/net/ipv6/conf/br-lan/accept_ra');
});

for (const bad of ['', 'net', 'net..ipv4', 'net.ipv4/../../etc.x', 'net.ipv4.conf.//.rp_filter', 'net.a b', 'net.%']) {
  test(`the key ${JSON.stringify(bad)} is refused before any file is opened`, (t) => {
    const error = t.throws(() => sysctlPath(bad), { instanceOf: SysctlError, message: /^not a sysctl key: / });
    t.is(error.key, bad);
  });
}

asRoot('read, write, and an unchanged value is not written again; the host keeps its own', async (t) => {
  const ns = await throwawayNamespace(t, 'sysctl');
  const hostForwarding = await readFile('/proc/sys/net/ipv4/ip_forward', 'utf8');
  const key = 'net.ipv4.ip_forward';
  const outcomes = await inNamespace(ns, [
    ['writeSysctl', key, '0'],
    ['readSysctl', key],
    ['writeSysctl', key, '1'],
    ['writeSysctl', key, ' 1\n'],
    ['readSysctl', key],
    ['writeSysctl', 'net.ipv4.ip_local_port_range', '40000 \t 50000'],
    ['readSysctl', 'net.ipv4.ip_local_port_range'],
  ]);
  t.like(outcomes.slice(1), [
    { value: '0' },
    { value: { key, from: '0', to: '1' } },
    { value: null },
    { value: '1' },
    { value: { key: 'net.ipv4.ip_local_port_range', to: '40000 50000' } },
    { value: '40000 50000' },
  ]);
  t.is(await readFile('/proc/sys/net/ipv4/ip_forward', 'utf8'), hostForwarding, 'net.* is per namespace');
});

asRoot('errors name the key and say why: a refused value, a missing key, two lines', async (t) => {
  const ns = await throwawayNamespace(t, 'sysctl');
  const outcomes = await inNamespace(ns, [
    ['writeSysctl', 'net.ipv4.conf.all.rp_filter', 'loose'],
    ['readSysctl', 'net.ipv4.conf.all.rp_filter'],
    ['writeSysctl', 'net.ipv4.no_such_key', '1'],
    ['writeSysctl', 'net.ipv4.ip_forward', '1\n0'],
    ['writeSysctl', 'net.ipv4.ip_forward', ''],
  ]);
  t.deepEqual(outcomes[0], {
    error: {
      name: 'SysctlError',
      key: 'net.ipv4.conf.all.rp_filter',
      message:
        'cannot set net.ipv4.conf.all.rp_filter to "loose" (/proc/sys/net/ipv4/conf/all/rp_filter): the kernel refused the value (EINVAL)',
    },
  });
  t.regex((outcomes[1] as { value: string }).value, /^[0-2]$/, 'the refused value was not stored');
  t.like(outcomes[2], { error: { name: 'SysctlError', key: 'net.ipv4.no_such_key' } });
  t.regex(
    (outcomes[2] as { error: { message: string } }).error.message,
    /^cannot read net\.ipv4\.no_such_key \(\/proc\/sys\/net\/ipv4\/no_such_key\): no such key/,
  );
  t.regex((outcomes[3] as { error: { message: string } }).error.message, /must be one line of text/);
  t.regex((outcomes[4] as { error: { message: string } }).error.message, /must be one line of text/);
});

asRoot('the router’s settings: WAN first, per-interface keys wait for their interface, then apply', async (t) => {
  const ns = await throwawayNamespace(t, 'sysctl');
  await run([IP_PATH, '-n', ns.namespace, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth1']);
  const state = parseDesiredState({
    version: 1,
    wan: { interface: 'eth0' },
    lan: { ports: [], address: '100.64.8.1/24', dhcp: { rangeStart: '100.64.8.100', rangeEnd: '100.64.8.199' } },
    tunnel: {
      privateKey: 'yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=',
      addresses: ['100.96.0.2/32'],
      dns: ['100.96.0.1'],
      peers: [
        {
          publicKey: 'xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=',
          endpoint: '203.0.113.1:51820',
          allowedIps: ['0.0.0.0/0'],
        },
      ],
    },
  });
  if (!state.ok) {
    throw new Error(state.errors.join('; '));
  }
  const settings = renderNetworkTargets(state.state).sysctls;
  const off = renderNetworkTargets(null).sysctls;
  const [reset, first, second] = await inNamespace(ns, [
    ['applySysctls', [...off, { key: 'net.ipv6.conf.eth0.accept_ra', value: '1' }]],
    ['applySysctls', settings],
    ['applySysctls', settings],
  ]);
  t.true('value' in reset!);
  t.deepEqual(first, {
    value: {
      changed: [
        { key: 'net.ipv6.conf.eth0.accept_ra', from: '1', to: '2' },
        { key: 'net.ipv4.ip_forward', from: '0', to: '1' },
        { key: 'net.ipv6.conf.all.forwarding', from: '0', to: '1' },
      ],
      missing: [{ key: 'net.ipv4.conf.wg0.rp_filter', value: '2', dev: 'wg0' }],
    },
  });
  t.deepEqual(second, {
    value: { changed: [], missing: [{ key: 'net.ipv4.conf.wg0.rp_filter', value: '2', dev: 'wg0' }] },
  });

  await run([IP_PATH, '-n', ns.namespace, 'tuntap', 'add', 'dev', 'wg0', 'mode', 'tun']);
  const [withTunnel, again] = await inNamespace(ns, [
    ['applySysctls', settings],
    ['applySysctls', settings],
  ]);
  t.like(withTunnel, { value: { changed: [{ key: 'net.ipv4.conf.wg0.rp_filter', to: '2' }], missing: [] } });
  t.deepEqual(again, { value: { changed: [], missing: [] } });
});

asRoot('a key without an interface that does not exist stops the apply there, naming it', async (t) => {
  const ns = await throwawayNamespace(t, 'sysctl');
  const [outcome, after] = await inNamespace(ns, [
    [
      'applySysctls',
      [
        { key: 'net.ipv4.ip_forward', value: '0' },
        { key: 'net.ipv4.no_such_key', value: '1' },
        { key: 'net.ipv4.ip_forward', value: '1' },
      ],
    ],
    ['readSysctl', 'net.ipv4.ip_forward'],
  ]);
  t.like(outcome, { error: { name: 'SysctlError', key: 'net.ipv4.no_such_key' } });
  t.deepEqual(after, { value: '0' }, 'nothing after the failing key was written');
});
