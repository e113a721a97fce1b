// The lab's "phone": a namespace on the Internet side (a customer of the same ISP, away from home) for trying
// remote access. `lab phone <file.conf>` and the netns tests load a device's wg-quick .conf (as the web page
// downloads it) into Debian's wireguard-go there, as the WireGuard apps would: `wg setconf` with the lines only
// wg-quick reads stripped (wg(8) rejects them), then the Address by ip(8) and a route into the tunnel for each of
// the peer's AllowedIPs. A default route (0.0.0.0/0, ::/0) goes in as two halves (0/1 and 128/1), which win over
// the cable's default route by being longer, and the endpoint keeps a host route out of the cable: otherwise the
// encrypted packets themselves would be routed into the tunnel.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from '@burrow/firmware/os/exec';
import { INTERFACES, PHONE_LINK } from './address-plan.js';
import { type LabProcess } from './lab-process.js';
import { addVeth, pidsIn, signalIfAlive, waitUntilEnded } from './namespaces.js';
import { TOOLS } from './tools.js';

const READY_TIMEOUT_MS = 10_000;
const STOP_GRACE_MS = 3_000;
/** Keys of [Interface] that wg-quick reads and wg(8) does not: the hooks (shell commands) are never run here. */
const WG_QUICK_ONLY = /^\s*(Address|DNS|MTU|Table|PreUp|PostUp|PreDown|PostDown|SaveConfig)\s*=/i;
const HOOKS = /^\s*(PreUp|PostUp|PreDown|PostDown)\s*=/i;

/** A device's .conf, taken apart for wg(8) and ip(8). */
export interface PhoneConf {
  /** The .conf without the wg-quick-only lines: what `wg setconf` reads. */
  readonly setconf: string;
  /** Address: the device's addresses in the remote subnet, "10.99.0.2/32", "fd99::2/128". */
  readonly addresses: readonly string[];
  /** Every peer's AllowedIPs: what goes into the tunnel. */
  readonly allowedIps: readonly string[];
  readonly mtu: number | undefined;
  /** DNS: the resolvers wg-quick would set (the router's remote address, from Burrow); the lab leaves them out. */
  readonly dns: readonly string[];
  /** The hook lines left out (PostUp = …): never run, only reported. */
  readonly ignoredHooks: readonly string[];
}

/** Takes a wg-quick .conf apart; a clear error when it cannot work (no Address, no PrivateKey, no peer). */
export function parsePhoneConf(conf: string): PhoneConf {
  const lines = conf.split(/\r?\n/);
  const values = (key: string) =>
    lines
      .map((line) => new RegExp(`^\\s*${key}\\s*=\\s*(.*)$`, 'i').exec(line)?.[1])
      .filter((value): value is string => value !== undefined)
      .flatMap((value) => value.split(','))
      .map((value) => value.trim())
      .filter((value) => value !== '');
  const addresses = values('Address');
  if (addresses.length === 0) {
    throw new Error('the .conf has no Address line: it is not a device configuration');
  }
  if (values('PrivateKey').length === 0) {
    throw new Error(
      'the .conf has no PrivateKey: it was made for a pasted public key, so the device holds it; add its PrivateKey line',
    );
  }
  if (!lines.some((line) => /^\s*\[Peer\]\s*$/i.test(line))) {
    throw new Error('the .conf has no [Peer] section');
  }
  const mtu = values('MTU')[0];
  return {
    setconf: `${lines.filter((line) => !WG_QUICK_ONLY.test(line)).join('\n')}\n`,
    addresses,
    allowedIps: values('AllowedIPs'),
    mtu: mtu === undefined ? undefined : Number(mtu),
    dns: values('DNS'),
    ignoredHooks: lines.filter((line) => HOOKS.test(line)).map((line) => line.trim()),
  };
}

/** The routes into the tunnel for AllowedIPs: a default route as its two halves, the rest as they are. */
export function tunnelRoutes(allowedIps: readonly string[]): string[] {
  return allowedIps.flatMap((prefix) => {
    if (prefix === '0.0.0.0/0') {
      return ['0.0.0.0/1', '128.0.0.0/1'];
    }
    if (prefix === '::/0') {
      return ['::/1', '8000::/1'];
    }
    return [prefix];
  });
}

/**
 * The phone's cable to the ISP: the ISP's side `isp-phone` in the internet namespace (which forwards already),
 * the phone's `eth0` with its default route through it.
 */
export async function connectPhone(internetNs: string, phoneNs: string): Promise<void> {
  await addVeth({ ns: internetNs, device: INTERFACES.ispPhone }, { ns: phoneNs, device: INTERFACES.device });
  const isp = (args: readonly string[]) => run([TOOLS.ip, '-n', internetNs, ...args]);
  await isp(['address', 'add', `${PHONE_LINK.isp}/${PHONE_LINK.prefixLength}`, 'dev', INTERFACES.ispPhone]);
  await isp(['link', 'set', 'dev', INTERFACES.ispPhone, 'up']);
  const phone = (args: readonly string[]) => run([TOOLS.ip, '-n', phoneNs, ...args]);
  await phone(['address', 'add', `${PHONE_LINK.phone}/${PHONE_LINK.prefixLength}`, 'dev', INTERFACES.device]);
  await phone(['link', 'set', 'dev', INTERFACES.device, 'up']);
  await phone(['route', 'add', 'default', 'via', PHONE_LINK.isp]);
}

export interface PhoneEngine {
  readonly ns: string;
  readonly ifname: string;
}

/**
 * Starts the phone's wireguard-go (`start` runs it as a lab process) and waits for its UAPI socket; the link is up,
 * without keys or peers until loadPhoneConf.
 */
export async function startPhoneEngine(
  engine: PhoneEngine,
  start: (argv: readonly string[]) => LabProcess,
): Promise<LabProcess> {
  const daemon = start([TOOLS.wireguardGo, '-f', engine.ifname]);
  await daemon.waitFor('open its UAPI socket', READY_TIMEOUT_MS, async () =>
    (await wg(engine, ['show', engine.ifname, 'listen-port'], [1])).code === 0 ? true : undefined,
  );
  await run([TOOLS.ip, '-n', engine.ns, 'link', 'set', 'dev', engine.ifname, 'up']);
  return daemon;
}

/** Whether the phone's wireguard-go runs (its interface exists). */
export async function phoneEngineRuns(engine: PhoneEngine): Promise<boolean> {
  const { code } = await run([TOOLS.ip, '-n', engine.ns, 'link', 'show', 'dev', engine.ifname], { okExitCodes: [1] });
  return code === 0;
}

export interface LoadedConf extends PhoneConf {
  /** The routes put into the tunnel. */
  readonly routes: readonly string[];
  /** The peers' endpoints as wg resolved them, "198.51.100.2:51820". */
  readonly endpoints: readonly string[];
}

/**
 * Configures the running engine from a .conf: `wg setconf` (it replaces every peer, so the handshake count starts
 * again at 0) from a 0600 copy in `dir` (it holds the device's private key), the addresses, the MTU and the routes
 * (the old ones go first: a new .conf replaces the last one).
 */
export async function loadPhoneConf(engine: PhoneEngine, conf: string, dir: string): Promise<LoadedConf> {
  const parsed = parsePhoneConf(conf);
  const file = join(dir, `${engine.ifname}.conf`);
  await writeFile(file, parsed.setconf, { mode: 0o600 });
  await wg(engine, ['setconf', engine.ifname, file]);
  const ip = (args: readonly string[]) => run([TOOLS.ip, '-n', engine.ns, ...args]);
  await ip(['address', 'flush', 'dev', engine.ifname]);
  for (const address of parsed.addresses) {
    await ip(['address', 'add', address, 'dev', engine.ifname, ...(address.includes(':') ? ['nodad'] : [])]);
  }
  if (parsed.mtu !== undefined) {
    await ip(['link', 'set', 'dev', engine.ifname, 'mtu', String(parsed.mtu)]);
  }
  const endpoints = (await wg(engine, ['show', engine.ifname, 'endpoints'])).stdout
    .split('\n')
    .map((line) => line.split('\t')[1]?.trim())
    .filter((endpoint): endpoint is string => endpoint !== undefined && endpoint !== '(none)' && endpoint !== '');
  // The endpoint itself goes out the cable (the lab's phone has IPv4 only on it), whatever the tunnel takes.
  for (const endpoint of endpoints) {
    const host = endpoint.replace(/:\d+$/, '');
    if (!host.startsWith('[')) {
      await ip(['route', 'replace', `${host}/32`, 'via', PHONE_LINK.isp, 'dev', INTERFACES.device]);
    }
  }
  const routes = tunnelRoutes(parsed.allowedIps);
  for (const prefix of routes) {
    await ip([prefix.includes(':') ? '-6' : '-4', 'route', 'replace', prefix, 'dev', engine.ifname]);
  }
  return { ...parsed, routes, endpoints };
}

/**
 * Ends the phone's wireguard-go, which takes its interface and routes with it. Everything in the phone namespace
 * is the phone's engine, so every process there is signalled (SIGTERM, so it removes its UAPI socket; then SIGKILL).
 */
export async function stopPhoneEngine(engine: PhoneEngine): Promise<void> {
  const pids = await pidsIn(engine.ns);
  pids.forEach((pid) => signalIfAlive(pid, 'SIGTERM'));
  await waitUntilEnded(pids, STOP_GRACE_MS);
  pids.forEach((pid) => signalIfAlive(pid, 'SIGKILL'));
  await run([TOOLS.ip, '-n', engine.ns, 'link', 'delete', 'dev', engine.ifname], { okExitCodes: [1] });
}

function wg(engine: PhoneEngine, args: readonly string[], okExitCodes: number[] = []) {
  return run([TOOLS.ip, 'netns', 'exec', engine.ns, TOOLS.wg, ...args], { okExitCodes });
}
