// The LAN's dnsmasq for real, in network namespaces this test creates and always removes: a router with br-lan, a
// LAN device on a veth into the bridge (isc-dhcp-client for DHCP), and a stand-in for the tunnel's resolver (a
// second dnsmasq, answering a test name, in its own namespace behind a route). Nothing outside them changes:
// dhclient runs with `-sf /usr/bin/true`, so it never writes a resolv.conf, and the test assigns the leased address.
import test, { type ExecutionContext } from 'ava';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseDesiredState, type DesiredState } from '../control/desired-state.js';
import { renderDnsmasqConfig } from './dnsmasq-config.js';
import { DNSMASQ_PATH, Dnsmasq, dnsmasqPaths, type DnsmasqPaths } from './dnsmasq.js';
import { IP_PATH, run, type ExecOptions, type ExecResult } from './exec.js';

const asRoot = process.getuid?.() === 0 ? test : test.skip;

const DHCLIENT = '/usr/sbin/dhclient';
const FAST_BACKOFF = { initialDelayMs: 50, maxDelayMs: 400, stableAfterMs: 10_000 };
/** The stand-in tunnel resolver, reached from the router over 192.0.2.0/24 (TEST-NET-1). */
const RESOLVER = '100.96.0.1';
const TEST_NAME = 'internet.test';
const TEST_NAME_ADDRESS = '203.0.113.10';

function desiredState(tunnel: 'none' | 'ipv4' | 'dual-stack'): DesiredState {
  const dualStack = tunnel === 'dual-stack';
  const result = parseDesiredState({
    version: 1,
    wan: { interface: 'wan0' },
    lan: {
      ports: ['lan0'],
      address: '100.64.8.1/24',
      ipv6Prefix: 'fd08::1/64',
      dhcp: { rangeStart: '100.64.8.100', rangeEnd: '100.64.8.199', leaseSeconds: 600 },
    },
    tunnel:
      tunnel === 'none'
        ? null
        : {
            privateKey: 'yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=',
            addresses: dualStack ? ['100.96.0.2/32', 'fd96::2/128'] : ['100.96.0.2/32'],
            dns: [RESOLVER],
            peers: [
              {
                publicKey: 'xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=',
                endpoint: '203.0.113.1:51820',
                allowedIps: dualStack ? ['0.0.0.0/0', '::/0'] : ['0.0.0.0/0'],
              },
            ],
          },
  });
  if (!result.ok) {
    throw new Error(result.errors.join('; '));
  }
  return result.state;
}

/** Runs argv inside `ns`. */
function inNamespace(ns: string, argv: readonly string[], options?: ExecOptions): Promise<ExecResult> {
  return run([IP_PATH, 'netns', 'exec', ns, ...argv], options);
}

/**
 * A namespace named as test/helpers/netns.ts names them (so its sweep clears a crashed run's leftovers); on teardown
 * everything still running in it is killed and it is deleted.
 */
async function addNamespace(t: ExecutionContext): Promise<string> {
  const ns = `burrow-dnsmasq-p${process.pid}-${randomBytes(3).toString('hex')}`;
  await run([IP_PATH, 'netns', 'add', ns]);
  t.teardown(async () => {
    const { stdout } = await run([IP_PATH, 'netns', 'pids', ns]);
    for (const pid of stdout.split('\n').filter((line) => /^\d+$/.test(line))) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // Gone already.
      }
    }
    await run([IP_PATH, 'netns', 'delete', ns]);
  });
  await run([IP_PATH, '-n', ns, 'link', 'set', 'lo', 'up']);
  return ns;
}

interface Household {
  readonly router: string;
  readonly device: string;
  readonly dir: string;
  readonly paths: DnsmasqPaths;
  readonly logs: string[];
  readonly dnsmasq: Dnsmasq;
}

/** Router and LAN device namespaces, a data dir, and a Dnsmasq for the router; the bridge comes with addBridge(). */
async function household(t: ExecutionContext): Promise<Household> {
  const dir = await mkdtemp(join(tmpdir(), 'burrow-dnsmasq-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const router = await addNamespace(t);
  const device = await addNamespace(t);
  const paths = dnsmasqPaths(join(dir, 'data'));
  const logs: string[] = [];
  const dnsmasq = new Dnsmasq({
    paths,
    log: (line) => logs.push(line),
    launcher: [IP_PATH, 'netns', 'exec', router],
    backoff: FAST_BACKOFF,
  });
  t.teardown(() => dnsmasq.stop());
  return { router, device, dir, paths, logs, dnsmasq };
}

/** br-lan with the router's addresses, and the device's eth0 plugged into it. */
async function addBridge({ router, device }: Household): Promise<void> {
  const ip = (...args: string[]) => run([IP_PATH, ...args]);
  await ip('-n', router, 'link', 'add', 'br-lan', 'type', 'bridge');
  await ip('link', 'add', 'lan0', 'netns', router, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', device);
  await ip('-n', router, 'link', 'set', 'lan0', 'master', 'br-lan');
  await ip('-n', router, 'link', 'set', 'lan0', 'up');
  await ip('-n', router, 'link', 'set', 'br-lan', 'up');
  await ip('-n', router, 'address', 'add', '100.64.8.1/24', 'dev', 'br-lan');
  await ip('-n', router, 'address', 'add', 'fd08::1/64', 'dev', 'br-lan', 'nodad');
  await ip('-n', device, 'link', 'set', 'eth0', 'up');
}

/**
 * The tunnel's resolver, stood in for by a dnsmasq that knows only TEST_NAME, in its own namespace; the router
 * reaches RESOLVER by a route over a veth. Returns how many queries it has seen so far.
 */
async function addResolver(t: ExecutionContext, { router }: Household): Promise<() => number> {
  const resolver = await addNamespace(t);
  const ip = (...args: string[]) => run([IP_PATH, ...args]);
  await ip('link', 'add', 'wan0', 'netns', router, 'type', 'veth', 'peer', 'name', 'dns0', 'netns', resolver);
  await ip('-n', router, 'address', 'add', '192.0.2.2/24', 'dev', 'wan0');
  await ip('-n', resolver, 'address', 'add', '192.0.2.1/24', 'dev', 'dns0');
  await ip('-n', resolver, 'address', 'add', `${RESOLVER}/32`, 'dev', 'lo');
  await ip('-n', router, 'link', 'set', 'wan0', 'up');
  await ip('-n', resolver, 'link', 'set', 'dns0', 'up');
  await ip('-n', router, 'route', 'add', `${RESOLVER}/32`, 'via', '192.0.2.1');
  const argv = [
    IP_PATH,
    'netns',
    'exec',
    resolver,
    DNSMASQ_PATH,
    '--keep-in-foreground',
    '--conf-file=/dev/null',
    '--log-facility=-',
    '--log-queries',
    '--no-resolv',
    '--no-hosts',
    '--pid-file=',
    `--listen-address=${RESOLVER}`,
    '--bind-interfaces',
    `--address=/${TEST_NAME}/${TEST_NAME_ADDRESS}`,
  ];
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  t.teardown(async () => {
    child.kill('SIGKILL');
    await exited;
  });
  let log = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (log += chunk));
  const queries = () => log.split('\n').filter((line) => line.includes(`query[A] ${TEST_NAME} from `)).length;
  await waitFor('the stand-in resolver', async () => (await query(router, RESOLVER, TEST_NAME)).rcode === 0);
  return queries;
}

interface DnsAnswer {
  /** 0 NOERROR, 2 SERVFAIL, 3 NXDOMAIN, 5 REFUSED; null: no answer within the time limit. */
  readonly rcode: number | null;
  readonly addresses: string[];
}

/** Sends one A query over UDP from inside `ns` (a small node script: the test machine has no dig). */
async function query(ns: string, server: string, name: string): Promise<DnsAnswer> {
  const script = `
    const dgram = require('node:dgram');
    const [server, name] = process.argv.slice(1);
    const labels = name.split('.').map((label) => Buffer.concat([Buffer.from([label.length]), Buffer.from(label)]));
    const header = Buffer.from([0x4b, 0x1d, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
    const message = Buffer.concat([header, ...labels, Buffer.from([0, 0, 1, 0, 1])]);
    const socket = dgram.createSocket('udp4');
    const timer = setTimeout(() => { console.log('none'); socket.close(); }, 1500);
    socket.on('message', (reply) => { console.log(reply.toString('hex')); clearTimeout(timer); socket.close(); });
    socket.on('error', () => {});
    socket.send(message, 53, server);`;
  const { stdout } = await inNamespace(ns, [process.execPath, '-e', script, server, name]);
  const text = stdout.trim();
  return text === 'none' ? { rcode: null, addresses: [] } : parseReply(Buffer.from(text, 'hex'));
}

/** rcode and the A records of a reply to one question. */
function parseReply(reply: Buffer): DnsAnswer {
  const skipName = (offset: number): number => {
    while (reply[offset] !== 0) {
      if ((reply[offset]! & 0xc0) === 0xc0) {
        return offset + 2;
      }
      offset += reply[offset]! + 1;
    }
    return offset + 1;
  };
  let offset = skipName(12) + 4;
  const addresses: string[] = [];
  for (let answer = 0; answer < reply.readUInt16BE(6); answer += 1) {
    offset = skipName(offset);
    const type = reply.readUInt16BE(offset);
    const length = reply.readUInt16BE(offset + 8);
    if (type === 1 && length === 4) {
      addresses.push([...reply.subarray(offset + 10, offset + 14)].join('.'));
    }
    offset += 10 + length;
  }
  return { rcode: reply[3]! & 0x0f, addresses };
}

/** Asks for a DHCPv4 lease from inside the device, adds the leased address to eth0, and returns it. */
async function leaseAddress(t: ExecutionContext, home: Household): Promise<string> {
  const leaseFile = join(home.dir, 'dhclient.leases');
  const pidFile = join(home.dir, 'dhclient.pid');
  await rm(leaseFile, { force: true });
  // -1: try once; -sf true: configure nothing, so no resolv.conf is written anywhere. dhclient stays in the
  // background to renew: ended at once (and by the namespace teardown, should this fail first).
  await inNamespace(
    home.device,
    [DHCLIENT, '-4', '-1', '-v', '-lf', leaseFile, '-pf', pidFile, '-sf', '/usr/bin/true', 'eth0'],
    { timeoutMs: 30_000 },
  );
  const daemon = Number((await readFile(pidFile, 'utf8')).trim());
  process.kill(daemon, 'SIGKILL');
  const match = /fixed-address (\d+\.\d+\.\d+\.\d+);/.exec(await readFile(leaseFile, 'utf8'));
  t.truthy(match, 'dhclient wrote a lease');
  const address = match![1]!;
  await run([IP_PATH, '-n', home.device, 'address', 'add', `${address}/24`, 'dev', 'eth0']);
  return address;
}

async function macOf(ns: string, device: string): Promise<string> {
  const { stdout } = await run([IP_PATH, '-n', ns, '-j', 'link', 'show', device]);
  return (JSON.parse(stdout) as Array<{ address: string }>)[0]!.address;
}

async function uidOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/^Uid:\s+(\d+)/m.exec(status)![1]);
}

async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await sleep(100);
  }
}

asRoot(
  'DHCP: a LAN device gets an address in the range, listed by leases(), even when dnsmasq came up before the bridge',
  async (t) => {
    const home = await household(t);
    t.is(await home.dnsmasq.apply(desiredState('none')), 'started');
    await addBridge(home);

    const address = await leaseAddress(t, home);
    const last = Number(address.split('.')[3]);
    t.true(address.startsWith('100.64.8.') && last >= 100 && last <= 199, address);
    const leases = await home.dnsmasq.leases();
    t.is(leases.length, 1);
    t.like(leases[0], { ip: address, mac: await macOf(home.device, 'eth0') });
    const remainingMs = leases[0]!.expires!.getTime() - Date.now();
    t.true(remainingMs > 500_000 && remainingMs <= 600_000, `${remainingMs} ms left`);

    // dnsmasq dropped root after start, yet keeps writing the root-owned lease file it opened as root.
    t.not(await uidOf(home.dnsmasq.status.pid!), 0);
    t.is((await stat(home.paths.leaseFile)).uid, 0);
    t.is((await stat(home.paths.configFile)).mode & 0o777, 0o600);
    t.is(await readFile(home.paths.pidFile, 'utf8'), `${home.dnsmasq.status.pid}\n`);
  },
);

asRoot(
  'DNS: answered through the tunnel resolver only; no tunnel → refused; an unchanged state → no restart',
  async (t) => {
    const home = await household(t);
    await addBridge(home);
    const resolverQueries = await addResolver(t, home);
    await run([IP_PATH, '-n', home.device, 'address', 'add', '100.64.8.50/24', 'dev', 'eth0']);
    const ask = () => query(home.device, '100.64.8.1', TEST_NAME);

    t.is(await home.dnsmasq.apply(desiredState('ipv4')), 'started');
    await waitFor('an answer through the resolver', async () => (await ask()).rcode === 0);
    t.deepEqual(await ask(), { rcode: 0, addresses: [TEST_NAME_ADDRESS] });
    t.true(resolverQueries() >= 1, 'the resolver saw the query');

    const pid = home.dnsmasq.status.pid;
    t.is(await home.dnsmasq.apply(desiredState('ipv4')), 'unchanged');
    t.is(home.dnsmasq.status.pid, pid);
    t.is(home.dnsmasq.status.startCount, 1);

    t.is(await home.dnsmasq.apply(desiredState('none')), 'restarted');
    t.not(home.dnsmasq.status.pid, pid);
    const seen = resolverQueries();
    await waitFor('dnsmasq to answer again', async () => (await ask()).rcode !== null);
    t.deepEqual(await ask(), { rcode: 5, addresses: [] }, 'REFUSED');
    t.is(resolverQueries(), seen, 'nothing was forwarded');
    t.notRegex(await readFile(home.paths.configFile, 'utf8'), /^server=/m);

    t.is(await home.dnsmasq.apply(desiredState('ipv4')), 'restarted');
    await waitFor('an answer through the resolver again', async () => (await ask()).rcode === 0);
  },
);

asRoot('supervision: killed with SIGKILL it comes back and serves; stop() ends it for good', async (t) => {
  const home = await household(t);
  await addBridge(home);
  await run([IP_PATH, '-n', home.device, 'address', 'add', '100.64.8.50/24', 'dev', 'eth0']);
  const lanName = () => query(home.device, '100.64.8.1', 'nothing.lan');
  await home.dnsmasq.apply(desiredState('none'));
  await waitFor('dnsmasq to answer', async () => (await lanName()).rcode === 3);

  const first = home.dnsmasq.status.pid!;
  process.kill(first, 'SIGKILL');
  await waitFor('a new dnsmasq', () => home.dnsmasq.running && home.dnsmasq.status.pid !== first);
  t.like(home.dnsmasq.status.lastExit, { pid: first, signal: 'SIGKILL', requested: false });
  await waitFor('the new dnsmasq to answer', async () => (await lanName()).rcode === 3);
  t.true(home.logs.some((line) => /^\[dnsmasq\] dnsmasq\[\d+\]: started, version/.test(line)));

  await home.dnsmasq.stop();
  t.false(home.dnsmasq.running);
  await sleep(300);
  t.is((await run([IP_PATH, 'netns', 'pids', home.router])).stdout.trim(), '', 'nothing runs in the router');
  t.deepEqual(await lanName(), { rcode: null, addresses: [] });
  await t.throwsAsync(readFile(home.paths.pidFile), { code: 'ENOENT' });
});

asRoot('a dnsmasq left running by a burrowd that died is replaced, not fought over port 53', async (t) => {
  const home = await household(t);
  await addBridge(home);
  const state = desiredState('none');
  // What the earlier burrowd left: its config, its dnsmasq (same argv) and the pid file naming it.
  await home.dnsmasq.apply(state);
  await home.dnsmasq.stop();
  const argv = [DNSMASQ_PATH, '--keep-in-foreground', '--log-facility=-', `--conf-file=${home.paths.configFile}`];
  const leftover = spawn(IP_PATH, ['netns', 'exec', home.router, ...argv], { detached: true, stdio: 'ignore' });
  const leftoverExit = new Promise((resolve) => leftover.once('exit', resolve));
  await writeFile(home.paths.pidFile, `${leftover.pid}\n`);
  await run([IP_PATH, '-n', home.device, 'address', 'add', '100.64.8.50/24', 'dev', 'eth0']);
  await waitFor('the leftover to answer', async () => (await query(home.device, '100.64.8.1', 'x.lan')).rcode === 3);

  const successor = new Dnsmasq({
    paths: home.paths,
    log: (line) => home.logs.push(line),
    launcher: [IP_PATH, 'netns', 'exec', home.router],
    backoff: FAST_BACKOFF,
  });
  t.teardown(() => successor.stop());
  t.is(await successor.apply(state), 'started');
  await leftoverExit;
  await sleep(500);
  t.true(successor.running);
  t.is(successor.status.startCount, 1, 'it started once and did not crash on a port in use');
  t.is((await run([IP_PATH, 'netns', 'pids', home.router])).stdout.trim(), String(successor.status.pid), 'one dnsmasq');
});

asRoot('IPv6: devices get ULA addresses, and a default route only when the tunnel carries IPv6', async (t) => {
  const home = await household(t);
  await addBridge(home);
  const device = home.device;
  const globalAddresses = async () =>
    (await run([IP_PATH, '-n', device, '-6', '-j', 'address', 'show', 'dev', 'eth0', 'scope', 'global'])).stdout;
  const defaultRoutes = async () =>
    JSON.parse((await run([IP_PATH, '-n', device, '-6', '-j', 'route', 'show', 'default'])).stdout) as unknown[];

  await home.dnsmasq.apply(desiredState('ipv4'));
  await waitFor('a SLAAC address in fd08::/64', async () => (await globalAddresses()).includes('"fd08::'), 30_000);
  // Adverts go out every few seconds at first; two seconds more without a route means router lifetime 0 held.
  await sleep(2_000);
  t.deepEqual(await defaultRoutes(), []);

  t.is(await home.dnsmasq.apply(desiredState('dual-stack')), 'restarted');
  await waitFor('an IPv6 default route via the router', async () => (await defaultRoutes()).length === 1, 30_000);
  t.pass();
});

asRoot('a config dnsmasq refuses is not installed, and the running dnsmasq keeps serving', async (t) => {
  const home = await household(t);
  await addBridge(home);
  t.is(await home.dnsmasq.apply(desiredState('none')), 'started');
  const pid = home.dnsmasq.status.pid;
  const before = await readFile(home.paths.configFile, 'utf8');

  // Past the schema (which would refuse it): a range reaching outside the LAN subnet.
  const valid = desiredState('none');
  const broken = { ...valid, lan: { ...valid.lan, dhcp: { ...valid.lan.dhcp, rangeEnd: '100.64.9.100' } } };
  await t.throwsAsync(home.dnsmasq.apply(broken), {
    message: /^dnsmasq refuses the rendered config: dnsmasq: inconsistent DHCP range at line \d+/,
  });
  t.is(await readFile(home.paths.configFile, 'utf8'), before);
  t.is(home.dnsmasq.status.pid, pid);
  t.true(home.dnsmasq.running);
  t.not(renderDnsmasqConfig(broken, { leaseFile: home.paths.leaseFile }), before);
  t.is(await home.dnsmasq.apply(desiredState('none')), 'unchanged');
});
