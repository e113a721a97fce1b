// The household lab's phone (scripts/lab/phone.ts: a namespace on the Internet side, cabled to the ISP) driven
// by a test: its wireguard-go runs as one of the lab's processes, and configure() loads a wg-quick .conf exactly as
// `lab phone <file.conf>` does. The probes (ping, GET, DNS) and the handshake figures are the test's own.
import { fileURLToPath } from 'node:url';
import { run, type ExecResult } from '@burrow/firmware/os/exec';
import { type Household } from '@burrow/scripts/lab/household';
import { type LabProcess } from '@burrow/scripts/lab/lab-process';
import {
  loadPhoneConf,
  type LoadedConf,
  type PhoneEngine,
  startPhoneEngine,
  stopPhoneEngine,
} from '@burrow/scripts/lab/phone';
import { TOOLS } from '@burrow/scripts/lab/tools';

const PROBE_PATH = fileURLToPath(import.meta.resolve('@burrow/scripts/lab/probe'));
const PING = '/usr/bin/ping';

export class Phone {
  private daemon: LabProcess | null = null;

  private constructor(
    readonly ns: string,
    readonly ifname: string,
    /** Where the .conf's copy for `wg setconf` goes (0600: it holds the device's key). */
    private readonly runDir: string,
  ) {}

  /** Starts wireguard-go in the lab's phone namespace; `register` gets the removal. */
  static async start(lab: Household, register: (stop: () => Promise<void>) => void): Promise<Phone> {
    const phone = new Phone(lab.record.phone.namespace, lab.record.phone.wireguardInterface, lab.runDir);
    register(() => phone.stop());
    phone.daemon = await startPhoneEngine(phone.engine, (argv) => lab.startProcess(phone.ns, 'phone', argv));
    return phone;
  }

  private get engine(): PhoneEngine {
    return { ns: this.ns, ifname: this.ifname };
  }

  /**
   * Configures the phone from a wg-quick .conf as `lab phone` does (`wg setconf` replaces every peer, so the
   * handshake count starts again at 0), routing its AllowedIPs into the tunnel.
   */
  configure(conf: string): Promise<LoadedConf> {
    return loadPhoneConf(this.engine, conf, this.runDir);
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
    await stopPhoneEngine(this.engine);
  }

  private wg(args: readonly string[], okExitCodes: number[] = []): Promise<ExecResult> {
    return run([TOOLS.ip, 'netns', 'exec', this.ns, TOOLS.wg, ...args], { okExitCodes });
  }
}
