// A packet capture on one link of the household lab, with tcpdump: started before a scenario, stopped after it,
// then counted with read filters. Writing every packet to a file first (and filtering afterwards) means one
// capture answers every question a test asks, and the file shows what was there when a count is not zero.
//
// Stopping is where packets get lost: tcpdump drops whatever the kernel still buffers when it is signalled. So
// stop() first sends a marker (an echo request from the far end of the link, which the router never answers
// through its firewall) and waits until the marker is in the file: everything before it is in the file too.
import { join } from 'node:path';
import { run } from '@burrow/firmware/os/exec';
import { type Household } from '@burrow/scripts/lab/household';
import { type LabProcess } from '@burrow/scripts/lab/lab-process';

export const TCPDUMP = '/usr/bin/tcpdump';
const PING = '/usr/bin/ping';
const LISTENING_TIMEOUT_MS = 15_000;
const MARKER_TIMEOUT_MS = 15_000;
const MARKER_POLL_MS = 100;
/** How many offending packets an assertion message quotes. */
const SAMPLE_LINES = 8;

/** Where a capture's marker comes from: the other end of the captured link. */
export interface MarkerSource {
  /** The namespace at the other end of the link. */
  readonly ns: string;
  /** Its address on the link (the marker's source). */
  readonly address: string;
  /** The captured end's address on the link (the marker's destination). */
  readonly target: string;
}

export class Capture {
  private stopped: Promise<void> | undefined;

  private constructor(
    readonly file: string,
    private readonly lab: Household,
    private readonly tcpdump: LabProcess,
    private readonly marker: MarkerSource,
  ) {}

  /** The tcpdump filter for the stop markers, so counts can leave them out. */
  get markerFilter(): string {
    return markerFilter(this.marker);
  }

  /**
   * Starts tcpdump on `iface` inside `ns` and resolves once it is listening, so nothing sent after this is missed.
   * tcpdump runs as a lab process: the lab's stop() ends it whatever happens to the test.
   */
  static async start(lab: Household, ns: string, iface: string, name: string, marker: MarkerSource): Promise<Capture> {
    const file = join(lab.runDir, `${name}.pcap`);
    const tcpdump = lab.startProcess(ns, `capture-${name}`, [
      TCPDUMP,
      ...['-i', iface, '-n', '-w', file],
      // Packets are handed over as they arrive (not in blocks a second apart) and written at once; tcpdump keeps
      // root so it can write into the lab's 0700 run directory.
      ...['--immediate-mode', '-U', '-Z', 'root'],
    ]);
    await tcpdump.waitForLog(/listening on/, LISTENING_TIMEOUT_MS);
    return new Capture(file, lab, tcpdump, marker);
  }

  /** Ends the capture once everything sent before this call is in the file. Safe to call twice. */
  stop(): Promise<void> {
    this.stopped ??= this.stopAfterMarker();
    return this.stopped;
  }

  /** The captured packets that match a tcpdump filter expression, one summary line each. */
  async packets(filter: string): Promise<string[]> {
    if (this.stopped === undefined) {
      throw new Error('Stop the capture before reading it');
    }
    await this.stopped;
    return this.read(filter);
  }

  private async read(filter: string): Promise<string[]> {
    const { stdout } = await run([TCPDUMP, '-r', this.file, '-n', '-tt', filter], { timeoutMs: 30_000 });
    return stdout.split('\n').filter((line) => line !== '');
  }

  private async stopAfterMarker(): Promise<void> {
    const { ns, target } = this.marker;
    const deadline = Date.now() + MARKER_TIMEOUT_MS;
    for (;;) {
      // One echo request; nothing answers it (the router's firewall drops it), which is fine: it only has to pass.
      await this.lab.exec(ns, [PING, '-n', '-c', '1', '-W', '0.2', target], { okExitCodes: [1] });
      // The file is read while tcpdump writes it; a half-written last packet makes tcpdump -r fail: try again.
      const seen = await this.read(this.markerFilter).catch(() => []);
      if (seen.length > 0) {
        break;
      }
      if (Date.now() > deadline) {
        throw new Error(`The capture ${this.file} did not see its stop marker within ${MARKER_TIMEOUT_MS} ms`);
      }
      await new Promise((resolve) => setTimeout(resolve, MARKER_POLL_MS));
    }
    await this.tcpdump.stop('SIGINT');
  }

  async count(filter: string): Promise<number> {
    return (await this.packets(filter)).length;
  }

  /** A count and the first few matching packets, for an assertion message. */
  async describe(filter: string): Promise<{ count: number; sample: string }> {
    const lines = await this.packets(filter);
    return { count: lines.length, sample: lines.slice(0, SAMPLE_LINES).join('\n') };
  }
}

function markerFilter({ address, target }: MarkerSource): string {
  return `icmp and src host ${address} and dst host ${target} and icmp[icmptype] == icmp-echo`;
}
