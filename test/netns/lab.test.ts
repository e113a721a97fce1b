// The household lab itself (scripts/lab): it comes up; a hand-made WireGuard client in the router namespace,
// configured from labDesiredState, reaches the Internet host from the VPN server's address while a direct request
// shows the router's WAN address; DNS through the tunnel is answered by the VPN resolver and only through the
// tunnel; a LAN device gets a lease by DHCP; stop() leaves nothing behind; and a lab whose process was killed is
// swept by the next start; `lab phone <file.conf>` loads a device's .conf into the phone on the Internet side, which
// then completes a handshake with a WireGuard server on the router's WAN address (here a hand-made one standing in
// for burrowd's remote access), and `lab phone down` ends it. burrowd is not part of this: where the router's LAN
// matters, the test plays its part.
import test, { type ExecutionContext } from 'ava';
import { spawn } from 'node:child_process';
import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDesiredState, type DesiredState } from '@burrow/firmware/control/desired-state';
import { run } from '@burrow/firmware/os/exec';
import { Household } from '@burrow/scripts/lab/household';
import { labDesiredState } from '@burrow/scripts/lab/lab-desired-state';
import { readRecord, type LabRecord } from '@burrow/scripts/lab/lab-record';
import { generateKeyPair, type KeyPair } from '@burrow/scripts/lab/wg-keys';
import { isAlive, listNamespaces, pidsIn } from '@burrow/scripts/lab/namespaces';
import { labUnavailableReason, TOOLS } from '@burrow/scripts/lab/tools';

const CLI_PATH = fileURLToPath(import.meta.resolve('@burrow/scripts/lab/cli'));
const UAPI_SOCKET_DIR = '/var/run/wireguard';
const CHILD_READY_TIMEOUT_MS = 30_000;

const skipReason = await labUnavailableReason();
if (skipReason) {
  console.warn(`household lab suite skipped: ${skipReason}`);
}
const labTest = skipReason ? test.serial.skip : test.serial;

let household: Household | undefined;
let workDir: string | undefined;

test.after.always(async () => {
  await household?.stop();
  if (workDir !== undefined) {
    await rm(workDir, { recursive: true, force: true });
  }
});

function lab(): Household {
  if (household === undefined) {
    throw new Error('The lab did not come up (see the first test)');
  }
  return household;
}

labTest('a lab whose process was killed is swept by the next start, which comes up', async (t) => {
  workDir = await mkdtemp(join(tmpdir(), 'burrow-lab-test-'));
  const crashed = await startLabInChildAndKillIt(t, join(workDir, 'crashed', 'lab.json'));
  const leftoverPids = await pidsIn(crashed.namespaces.internet);
  t.true(leftoverPids.length >= 3, 'the killed lab left its web server, DNS and VPN server running');

  const started = Date.now();
  household = await Household.start({ recordFile: join(workDir, 'var', 'lab.json') });
  t.log(`lab up in ${Date.now() - started} ms (including the sweep)`);

  const namespaces = await listNamespaces();
  for (const ns of allNamespaces(crashed)) {
    t.false(namespaces.includes(ns), `${ns} of the killed lab is gone`);
    t.false(await exists(join('/etc/netns', ns)), `/etc/netns/${ns} is gone`);
  }
  t.deepEqual(leftoverPids.filter(isAlive), [], "the killed lab's programs are gone");
  t.false(await exists(crashed.files.runDir), 'its run directory is gone');
  t.false(await exists(crashed.files.record!), 'its record is gone');
  t.false(await exists(join(UAPI_SOCKET_DIR, `${crashed.vpnServer.interface}.sock`)), 'its UAPI socket is gone');
});

labTest('the lab describes itself and leaves the router to burrowd', async (t) => {
  const { record } = lab();
  t.deepEqual(await readRecord(record.files.record!), record, 'the published record matches');
  t.is(record.ownerPid, process.pid);
  const namespaces = await listNamespaces();
  for (const ns of allNamespaces(record)) {
    t.true(namespaces.includes(ns), `${ns} exists`);
  }
  t.like(record, {
    internetHost: { web: '203.0.113.10', dns: '203.0.113.53' },
    vpnServer: { endpoint: '203.0.113.1:51820', tunnelAddress: '100.96.0.1' },
    router: { wanInterface: 'wan0', lanInterface: 'br-lan', lanPorts: ['lan1p', 'lan2p'] },
  });

  const router = record.namespaces.router;
  for (const port of record.router.lanPorts) {
    const [link] = JSON.parse((await run([TOOLS.ip, '-j', '-n', router, 'address', 'show', 'dev', port])).stdout) as {
      addr_info: unknown[];
      master?: string;
    }[];
    t.deepEqual(link?.addr_info, [], `router port ${port} has no address`);
    t.is(link?.master, undefined, `router port ${port} is in no bridge`);
  }
  t.is((await run([TOOLS.ip, '-n', router, 'link', 'show', 'br-lan'], { okExitCodes: [1] })).code, 1, 'no br-lan');
  t.is((await lab().exec(router, [TOOLS.nft, 'list', 'ruleset'])).stdout.trim(), '', 'no firewall in the router');
  for (const ns of record.namespaces.lan) {
    const addresses = (await run([TOOLS.ip, '-n', ns, '-4', 'address', 'show', 'dev', 'eth0'])).stdout;
    t.notRegex(addresses, /inet /, `${ns} has no IPv4 address before DHCP`);
    t.regex(await readFile(join('/etc/netns', ns, 'resolv.conf'), 'utf8'), /^nameserver 100\.64\.8\.1$/m);
  }
  t.regex(await readFile(join('/etc/netns', router, 'resolv.conf'), 'utf8'), /^nameserver 203\.0\.113\.53$/m);
  t.is(lab().shellHint(record.namespaces.lan[0]!), `sudo ip netns exec ${record.namespaces.lan[0]} bash`);
});

labTest("labDesiredState connects the router to the lab's VPN server, which knows the router's key", async (t) => {
  const { record } = lab();
  const parsed = parseDesiredState(labDesiredState(lab()));
  if (!parsed.ok) {
    t.fail(parsed.errors.join('; '));
    return;
  }
  const { state } = parsed;
  t.true(state.killSwitch, 'the kill switch is on by default');
  t.like(state, {
    wan: { interface: 'wan0' },
    lan: { interface: 'br-lan', ports: ['lan1p', 'lan2p'], address: '100.64.8.1/24', ipv6Prefix: 'fd08::1/64' },
  });
  t.deepEqual(state.tunnel?.addresses, ['100.96.0.2/32'], 'IPv4 only by default');
  t.deepEqual(state.tunnel?.dns, ['100.96.0.1']);
  t.like(state.tunnel?.peers[0], {
    publicKey: record.vpnServer.publicKey,
    endpoint: '203.0.113.1:51820',
    allowedIps: ['0.0.0.0/0'],
  });
  t.false(labDesiredState(lab(), { killSwitch: false }).killSwitch);
  t.is(labDesiredState(lab(), { endpointByName: true }).tunnel?.peers[0]?.endpoint, 'vpn.internet.test:51820');

  const routerPublicKey = (await run([TOOLS.wg, 'pubkey'], { input: `${state.tunnel!.privateKey}\n` })).stdout.trim();
  t.is(routerPublicKey, record.router.publicKey);
  const vpnPeers = await lab().exec(record.namespaces.internet, [
    TOOLS.wg,
    'show',
    record.vpnServer.interface,
    'peers',
  ]);
  t.is(vpnPeers.stdout.trim(), routerPublicKey, "the VPN server's one peer is the router");
});

labTest('directly, the Internet host sees the router WAN address, and the Internet DNS answers', async (t) => {
  const router = lab().record.namespaces.router;
  t.is(await lab().whoami(router), '198.51.100.2');
  t.is(await lab().whoami(router, 6), '2001:db8:100::2');
  t.deepEqual(await lab().resolve(router, 'internet.test'), ['203.0.113.10']);
  t.deepEqual(await lab().resolve(router, 'vpn.internet.test'), ['203.0.113.1']);
  // Plaintext to the VPN resolver over the WAN is dropped: only the tunnel reaches the tunnel's inside.
  await t.throwsAsync(lab().resolve(router, 'internet.test', { server: '100.96.0.1', timeoutMs: 1_000 }), {
    message: /ETIMEOUT/,
  });
});

labTest('through a tunnel configured from labDesiredState, traffic and DNS go through the VPN server', async (t) => {
  const input = labDesiredState(lab(), { ipv6: true });
  const parsed = parseDesiredState(input);
  if (!parsed.ok) {
    t.fail(parsed.errors.join('; '));
    return;
  }
  const tunnel = await startHandMadeClient(lab(), parsed.state);
  const router = lab().record.namespaces.router;
  const viaTunnel = async (destination: string) =>
    run([TOOLS.ip, '-n', router, 'route', 'add', destination, 'dev', tunnel]);
  // Only the Internet host and the VPN resolver go through the tunnel; the engine's own UDP still takes the WAN.
  for (const destination of ['203.0.113.10/32', '2001:db8:113::10/128', '100.96.0.1/32', 'fd96::1/128']) {
    await viaTunnel(destination);
  }

  t.is(await lab().whoami(router), '203.0.113.1', "the web server sees the VPN server's address");
  t.is(await lab().whoami(router, 6), '2001:db8:113::1', "the web server sees the VPN server's IPv6 address");
  t.deepEqual(await lab().resolve(router, 'internet.test', { server: '100.96.0.1' }), ['203.0.113.10']);
  t.deepEqual(await lab().resolve(router, 'internet.test', { server: 'fd96::1', type: 'AAAA' }), ['2001:db8:113::10']);
  const resolverLog = await readFile(join(lab().logDir, 'vpn-resolver.log'), 'utf8');
  t.regex(
    resolverLog,
    /query\[A\] internet\.test from 100\.96\.0\.2$/m,
    'the VPN resolver got the query from the tunnel',
  );
  const transfer = (await lab().exec(router, [TOOLS.wg, 'show', tunnel, 'transfer'])).stdout;
  t.regex(transfer, /\t[1-9]\d*\t[1-9]\d*$/m, 'the tunnel carried traffic both ways');
});

labTest('a LAN device gets a lease by DHCP from the router (here, a dnsmasq standing in for burrowd)', async (t) => {
  const { record } = lab();
  const router = record.namespaces.router;
  const ip = (args: readonly string[]) => run([TOOLS.ip, '-n', router, ...args]);
  await ip(['link', 'add', 'br-lan', 'type', 'bridge']);
  for (const port of record.router.lanPorts) {
    await ip(['link', 'set', 'dev', port, 'master', 'br-lan', 'up']);
  }
  await ip(['address', 'add', record.router.lanAddress, 'dev', 'br-lan']);
  await ip(['link', 'set', 'dev', 'br-lan', 'up']);
  const dhcpServer = lab().startProcess(router, 'test-dhcp', [
    TOOLS.dnsmasq,
    '--keep-in-foreground',
    '--conf-file=/dev/null',
    '--port=0',
    '--interface=br-lan',
    '--bind-dynamic',
    `--dhcp-range=${record.router.dhcpRange.start},${record.router.dhcpRange.end},1h`,
    '--dhcp-option=option:router,100.64.8.1',
    '--dhcp-option=option:dns-server,100.64.8.1',
    // Without it dnsmasq pings a new address for seconds before offering it.
    '--no-ping',
    `--dhcp-leasefile=${join(lab().runDir, 'test-dhcp.leases')}`,
    `--pid-file=${join(lab().runDir, 'test-dhcp.pid')}`,
    '--log-facility=-',
  ]);
  await dhcpServer.waitForLog(/DHCP, IP range/, 10_000);

  const [first, second] = record.namespaces.lan as [string, string];
  const lease = await lab().dhcp(first);
  t.regex(lease.address, /^100\.64\.8\.(1\d\d)$/, 'an address from the DHCP range');
  t.is(lease.prefixLength, 24);
  t.deepEqual(lease.routers, ['100.64.8.1']);
  t.deepEqual(lease.dnsServers, ['100.64.8.1']);
  t.is(lease.leaseSeconds, 3600);
  t.true(Date.parse(lease.expires ?? '') > Date.now(), `the lease expires in the future (${lease.expires})`);
  const addresses = (await run([TOOLS.ip, '-n', first, '-4', 'address', 'show', 'dev', 'eth0'])).stdout;
  t.true(addresses.includes(`inet ${lease.cidr} `), `eth0 has ${lease.cidr}:\n${addresses}`);
  const routes = (await run([TOOLS.ip, '-n', first, 'route', 'show', 'default'])).stdout;
  t.regex(routes, /^default via 100\.64\.8\.1 dev eth0/m);
  t.regex(await readFile(join('/etc/netns', first, 'resolv.conf'), 'utf8'), /^nameserver 100\.64\.8\.1$/m);
  const ping = await lab().exec(first, ['ping', '-n', '-c', '1', '-W', '2', '100.64.8.1'], { okExitCodes: [1] });
  t.is(ping.code, 0, `the device reaches the router:\n${ping.stdout}`);

  const other = await lab().dhcp(second);
  t.not(other.address, lease.address, 'the second device gets an address of its own');
  const again = await lab().dhcp(first);
  t.is(again.address, lease.address, 'asking again keeps the address');
  const clients = await Promise.all([first, second].map(dhclientsIn));
  t.deepEqual(clients, [1, 1], 'one dhclient per device keeps renewing');
});

labTest('`lab phone FILE.conf` loads a device into the phone, which dials the router WAN address', async (t) => {
  const { record } = lab();
  const router = record.namespaces.router;
  const phoneNs = record.phone.namespace;
  t.deepEqual(record.phone, {
    namespace: phoneNs,
    interface: 'eth0',
    address: '192.0.2.2/24',
    gateway: '192.0.2.1',
    wireguardInterface: record.phone.wireguardInterface,
  });
  t.regex(await readFile(join('/etc/netns', phoneNs, 'resolv.conf'), 'utf8'), /^nameserver 203\.0\.113\.53$/m);
  t.is(await lab().whoami(phoneNs), '192.0.2.2', 'the phone reaches the Internet host over its own cable');

  const server = await startRemoteAccessServer(lab(), await generateKeyPair());
  const device = await generateKeyPair();
  await lab().exec(router, [TOOLS.wg, 'set', server.ifname, 'peer', device.publicKey, 'allowed-ips', '10.99.0.2/32']);
  const hookWitness = join(workDir!, 'post-up-ran');
  const conf = join(workDir!, 'phone.conf');
  await writeFile(
    conf,
    [
      '# phone, exported from Burrow',
      '[Interface]',
      `PrivateKey = ${device.privateKey}`,
      'Address = 10.99.0.2/32, fd99::2/128',
      'DNS = 10.99.0.1, lan',
      'MTU = 1380',
      `PostUp = touch ${hookWitness}`,
      '',
      '[Peer]',
      `PublicKey = ${server.keys.publicKey}`,
      'AllowedIPs = 0.0.0.0/0, ::/0',
      `Endpoint = ${record.router.wanAddress.split('/')[0]}:51820`,
      'PersistentKeepalive = 25',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  const loaded = await runCli(['phone', conf, '--record', record.files.record!]);
  t.is(loaded.code, 0, loaded.stderr);
  t.log(loaded.stdout);
  t.regex(loaded.stdout, new RegExp(`sudo ip netns exec ${phoneNs} ping -c 3 `), 'it says what to try');
  t.regex(loaded.stdout, /curl http:\/\/203\.0\.113\.10\//);
  t.regex(loaded.stdout, /Left out \(never run here\): PostUp/);
  t.false(await exists(hookWitness), 'the PostUp hook was not run');

  const inPhone = (args: readonly string[]) => run([TOOLS.ip, '-n', phoneNs, ...args]);
  const ifname = record.phone.wireguardInterface;
  t.regex((await inPhone(['-4', 'address', 'show', 'dev', ifname])).stdout, /inet 10\.99\.0\.2\/32 /);
  t.regex((await inPhone(['-6', 'address', 'show', 'dev', ifname])).stdout, /inet6 fd99::2\/128 /);
  t.regex((await inPhone(['link', 'show', 'dev', ifname])).stdout, /mtu 1380 /);
  const routes = (await inPhone(['-4', 'route', 'show'])).stdout;
  t.regex(routes, new RegExp(`^0\\.0\\.0\\.0/1 dev ${ifname}`, 'm'), 'the default route into the tunnel, halved');
  t.regex(routes, new RegExp(`^128\\.0\\.0\\.0/1 dev ${ifname}`, 'm'));
  t.regex(routes, /^198\.51\.100\.2 via 192\.0\.2\.1 dev eth0/m, 'the endpoint stays on the cable');
  t.regex((await inPhone(['-6', 'route', 'show'])).stdout, new RegExp(`^::/1 dev ${ifname}`, 'm'));

  const ping = await lab().exec(phoneNs, ['ping', '-n', '-c', '3', '-W', '2', '10.99.0.1'], { okExitCodes: [1] });
  t.is(ping.code, 0, `the phone reaches the router inside the tunnel:\n${ping.stdout}`);
  const handshakes = (await lab().exec(phoneNs, [TOOLS.wg, 'show', ifname, 'latest-handshakes'])).stdout;
  t.regex(handshakes, /\t[1-9]\d*$/m, 'a handshake with the router');

  const noKey = join(workDir!, 'pasted-key.conf');
  await writeFile(noKey, (await readFile(conf, 'utf8')).replace(/^PrivateKey = .*$/m, '# the device holds it'));
  const refused = await runCli(['phone', noKey, '--record', record.files.record!]);
  t.is(refused.code, 1);
  t.regex(refused.stderr, /no PrivateKey/);

  const down = await runCli(['phone', 'down', '--record', record.files.record!]);
  t.is(down.code, 0, down.stderr);
  t.deepEqual(await pidsIn(phoneNs), [], "the phone's wireguard-go has ended");
  t.is((await inPhone(['link', 'show', 'dev', ifname]).catch(() => ({ stdout: '' }))).stdout, '', 'no interface');
  t.false(await exists(join(UAPI_SOCKET_DIR, `${ifname}.sock`)), 'no UAPI socket');

  // Loaded again and left running: stop() must take it down with the lab.
  t.is((await runCli(['phone', conf, '--record', record.files.record!])).code, 0);
  t.is((await pidsIn(phoneNs)).length, 1, 'wireguard-go runs in the phone after the command returned');
});

labTest('stop() removes namespaces, programs, /etc/netns entries, sockets, files and the record', async (t) => {
  const current = lab();
  const { record } = current;
  const pids = (await Promise.all(allNamespaces(record).map(pidsIn))).flat();
  t.true(pids.length >= 5, 'web, two dnsmasqs, wireguard-go, the hand-made client and dhclient were running');
  const started = Date.now();
  await current.stop();
  t.log(`lab down in ${Date.now() - started} ms`);

  const namespaces = await listNamespaces();
  for (const ns of allNamespaces(record)) {
    t.false(namespaces.includes(ns), `${ns} is gone`);
    t.false(await exists(join('/etc/netns', ns)), `/etc/netns/${ns} is gone`);
  }
  t.deepEqual(pids.filter(isAlive), [], 'every program of the lab has ended');
  t.false(await exists(record.files.runDir), 'the run directory is gone');
  t.false(await exists(record.files.record!), 'the record is gone');
  for (const ifname of [record.vpnServer.interface, record.router.tunnelInterface, record.phone.wireguardInterface]) {
    t.false(await exists(join(UAPI_SOCKET_DIR, `${ifname}.sock`)), `${ifname}.sock is gone`);
  }
  await current.stop();
  t.pass('a second stop() is harmless');
});

/** Runs `lab up --foreground --unique` in a child, waits for its record, SIGKILLs it, and returns the record. */
async function startLabInChildAndKillIt(t: ExecutionContext, recordFile: string): Promise<LabRecord> {
  const child = spawn(process.execPath, [CLI_PATH, 'up', '--foreground', '--unique', '--record', recordFile], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  t.teardown(() => void child.kill('SIGKILL'));
  const deadline = Date.now() + CHILD_READY_TIMEOUT_MS;
  let record: LabRecord | undefined;
  while (record === undefined) {
    if (child.exitCode !== null || Date.now() > deadline) {
      throw new Error(`The lab in the child process did not come up:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    record = await readRecord(recordFile);
  }
  child.kill('SIGKILL');
  await exited;
  return record;
}

/** A WireGuard client made by hand with wireguard-go, wg and ip from a desired state's tunnel section. */
async function startHandMadeClient(current: Household, state: DesiredState): Promise<string> {
  const tunnel = state.tunnel!;
  const peer = tunnel.peers[0]!;
  const router = current.record.namespaces.router;
  const daemon = current.startProcess(router, 'hand-made-client', [TOOLS.wireguardGo, '-f', tunnel.interface]);
  const wg = (args: readonly string[], okExitCodes: number[] = []) =>
    current.exec(router, [TOOLS.wg, ...args], { okExitCodes });
  await daemon.waitFor('open its UAPI socket', 10_000, async () =>
    (await wg(['show', tunnel.interface], [1])).code === 0 ? true : undefined,
  );
  const keyFile = join(current.runDir, 'hand-made-client.key');
  await writeFile(keyFile, `${tunnel.privateKey}\n`, { mode: 0o600 });
  await wg([
    ...['set', tunnel.interface, 'private-key', keyFile],
    ...['peer', peer.publicKey, 'endpoint', peer.endpoint, 'allowed-ips', peer.allowedIps.join(',')],
  ]);
  const ip = (args: readonly string[]) => run([TOOLS.ip, '-n', router, ...args]);
  for (const address of tunnel.addresses) {
    await ip(['address', 'add', address, 'dev', tunnel.interface, ...(address.includes(':') ? ['nodad'] : [])]);
  }
  await ip(['link', 'set', 'dev', tunnel.interface, 'mtu', String(tunnel.mtu), 'up']);
  return tunnel.interface;
}

/** The lab CLI as a person runs it; its exit code and output, whatever they are. */
function runCli(args: readonly string[]) {
  return run([process.execPath, CLI_PATH, ...args], { okExitCodes: [1, 2], timeoutMs: 30_000 });
}

/**
 * A WireGuard server on the router's WAN port 51820 with 10.99.0.1/24, standing in for burrowd's remote access
 * (wg1): wireguard-go with a name of this run's own (UAPI sockets are host-wide), stopped with the lab.
 */
async function startRemoteAccessServer(current: Household, keys: KeyPair): Promise<{ ifname: string; keys: KeyPair }> {
  const router = current.record.namespaces.router;
  const ifname = `${current.names.routerTunnelInterface}r`;
  const daemon = current.startProcess(router, 'remote-access-server', [TOOLS.wireguardGo, '-f', ifname]);
  const wg = (args: readonly string[], okExitCodes: number[] = []) =>
    current.exec(router, [TOOLS.wg, ...args], { okExitCodes });
  await daemon.waitFor('open its UAPI socket', 10_000, async () =>
    (await wg(['show', ifname], [1])).code === 0 ? true : undefined,
  );
  const keyFile = join(current.runDir, 'remote-access-server.key');
  await writeFile(keyFile, `${keys.privateKey}\n`, { mode: 0o600 });
  await wg(['set', ifname, 'private-key', keyFile, 'listen-port', '51820']);
  await run([TOOLS.ip, '-n', router, 'address', 'add', '10.99.0.1/24', 'dev', ifname]);
  await run([TOOLS.ip, '-n', router, 'link', 'set', 'dev', ifname, 'up']);
  return { ifname, keys };
}

async function dhclientsIn(ns: string): Promise<number> {
  let count = 0;
  for (const pid of await pidsIn(ns)) {
    const command = await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '');
    count += command.trim() === 'dhclient' ? 1 : 0;
  }
  return count;
}

function allNamespaces(record: LabRecord): string[] {
  return [record.namespaces.internet, record.namespaces.router, ...record.namespaces.lan, record.namespaces.phone];
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
