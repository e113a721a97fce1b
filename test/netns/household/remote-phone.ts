// A "phone" on the Internet side of the household lab, for remote access: its own namespace cabled to the
// internet namespace (as the ISP's other customer, 192.0.2.2), running Debian's wireguard-go configured with the
// stock `wg setconf` from a wg-quick .conf whose Address and DNS lines it strips (wg(8) reads neither): the
// Address goes on with `ip addr`, as wg-quick would do. Only the LAN, the router and the Internet host are routed
// into its tunnel; everything else (the router's WAN address, its endpoint) goes out its own cable.
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run, type ExecResult } from '@burrow/firmware/os/exec';
import { addNamespace, addVeth, removeNamespace } from '@burrow/scripts/lab/namespaces';
import { type Household } from '@burrow/scripts/lab/household';
import { TOOLS } from '@burrow/scripts/lab/tools';
import { startInNamespace, type ManagedProcess } from '../../helpers/netns-process.js';
import { eventually } from './poll.js';

const PROBE_PATH = fileURLToPath(import.meta.resolve('@burrow/scripts/lab/probe'));
const PING = '/usr/bin/ping';
/** TEST-NET-1: the phone's "mobile network", routed by the lab's ISP. */
export const PHONE_LINK = { isp: '192.0.2.1', phone: '192.0.2.2', prefixLength: 24 } as const;

export interface PhoneDevice {
  readonly privateKey: string;
  /** The device's address in the remote subnet, "10.99.0.2/32". */
  readonly address: string;
}

export class Phone {
  private daemon: ManagedProcess | null = null;

  private constructor(
    readonly ns: string,
    readonly ifname: string,
    private readonly lab: Household,
  ) {}

  /** Builds the namespace and its cable, starts wireguard-go; `register` gets the removal. */
  static async start(lab: Household, register: (stop: () => Promise<void>) => void): Promise<Phone> {
    const hex = randomBytes(3).toString('hex');
    const ns = `burrow-phone-p${process.pid}-${hex}`;
    // UAPI sockets are host-wide: the interface name is unique per run.
    const phone = new Phone(ns, `bph${hex}`, lab);
    register(() => phone.stop());
    await addNamespace(ns);
    const internet = lab.record.namespaces.internet;
    await addVeth({ ns: internet, device: `ph${hex}` }, { ns, device: 'eth0' });
    await run([
      TOOLS.ip,
      '-n',
      internet,
      'address',
      'add',
      `${PHONE_LINK.isp}/${PHONE_LINK.prefixLength}`,
      'dev',
      `ph${hex}`,
    ]);
    await run([TOOLS.ip, '-n', internet, 'link', 'set', 'dev', `ph${hex}`, 'up']);
    const ip = (args: readonly string[]) => run([TOOLS.ip, '-n', ns, ...args]);
    await ip(['address', 'add', `${PHONE_LINK.phone}/${PHONE_LINK.prefixLength}`, 'dev', 'eth0']);
    await ip(['link', 'set', 'dev', 'eth0', 'up']);
    await ip(['route', 'add', 'default', 'via', PHONE_LINK.isp]);
    phone.daemon = startInNamespace(ns, [TOOLS.wireguardGo, '-f', phone.ifname]);
    await eventually(`wireguard-go's ${phone.ifname} in ${ns}`, 10_000, async () =>
      (await phone.wg(['show', phone.ifname, 'listen-port'], [1])).code === 0 ? true : undefined,
    );
    await ip(['link', 'set', 'dev', phone.ifname, 'up']);
    return phone;
  }

  /**
   * Configures the phone from a wg-quick .conf as the WireGuard apps import it: `wg setconf` with the Address and
   * DNS lines stripped (it replaces every peer, so the handshake count starts again at 0), the Address by `ip`,
   * and routes into the tunnel for `routed` (the LAN, the router, the Internet host).
   */
  async configure(conf: string, routed: readonly string[]): Promise<void> {
    const address = /^Address\s*=\s*(.+)$/m.exec(conf)?.[1]?.split(',')[0]?.trim();
    if (address === undefined) {
      throw new Error('the .conf has no Address line');
    }
    const stripped = conf
      .split('\n')
      .filter((line) => !/^\s*(Address|DNS)\s*=/.test(line))
      .join('\n');
    const file = join(this.lab.runDir, `${this.ifname}.conf`);
    await writeFile(file, stripped, { mode: 0o600 });
    await this.wg(['setconf', this.ifname, file]);
    const ip = (args: readonly string[]) => run([TOOLS.ip, '-n', this.ns, ...args]);
    await ip(['address', 'flush', 'dev', this.ifname]);
    await ip(['address', 'add', address, 'dev', this.ifname]);
    for (const prefix of routed) {
      await ip(['route', 'replace', prefix, 'dev', this.ifname]);
    }
  }

  /** Seconds since the epoch of the latest handshake with the router; 0: none since the last configure. */
  async latestHandshake(): Promise<number> {
    const { stdout } = await this.wg(['show', this.ifname, 'latest-handshakes']);
    const seconds = stdout.trim().split(/\s+/)[1];
    return seconds === undefined ? 0 : Number(seconds);
  }

  /** Bytes received from the router since the last configure. */
  async received(): Promise<number> {
    const { stdout } = await this.wg(['show', this.ifname, 'transfer']);
    return Number(stdout.trim().split(/\s+/)[1] ?? 0);
  }

  /** Whether `count` pings to `target` get any answer. */
  async pings(target: string, count = 3): Promise<boolean> {
    const { code } = await run(
      [TOOLS.ip, 'netns', 'exec', this.ns, PING, '-n', '-c', String(count), '-W', '1', target],
      {
        okExitCodes: [1, 2],
        timeoutMs: 20_000,
      },
    );
    return code === 0;
  }

  /** The body of a GET, or the probe's failure as an Error. */
  async httpGet(url: string, timeoutMs = 3_000): Promise<string> {
    const { stdout } = await run(
      [
        TOOLS.ip,
        'netns',
        'exec',
        this.ns,
        process.execPath,
        PROBE_PATH,
        'http-get',
        url,
        '--timeout',
        String(timeoutMs),
      ],
      { timeoutMs: timeoutMs + 5_000 },
    );
    return stdout.trim();
  }

  /** The addresses `name` resolves to by asking `server` from the phone; the probe's failure as an Error. */
  async resolve(name: string, server: string, timeoutMs = 3_000): Promise<string[]> {
    const { stdout } = await run(
      [
        ...[TOOLS.ip, 'netns', 'exec', this.ns, process.execPath, PROBE_PATH],
        ...['resolve', name, '--server', server, '--timeout', String(timeoutMs)],
      ],
      { timeoutMs: timeoutMs + 5_000 },
    );
    return stdout.split('\n').filter((line) => line !== '');
  }

  async stop(): Promise<void> {
    await this.daemon?.stop();
    this.daemon = null;
    await removeNamespace(this.ns);
  }

  private wg(args: readonly string[], okExitCodes: number[] = []): Promise<ExecResult> {
    return run([TOOLS.ip, 'netns', 'exec', this.ns, TOOLS.wg, ...args], { okExitCodes });
  }
}
