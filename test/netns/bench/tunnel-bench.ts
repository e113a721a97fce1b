// `make bench`: TCP throughput (iperf3) and ping round-trip time through a WireGuard tunnel between
// two network namespaces, for burrow ↔ wireguard-go and wireguard-go ↔ wireguard-go in the same run,
// so the ratio compares like with like on this machine. Figures only: nothing here passes or fails
// on a number. Needs root.
//
//   node test/dist/netns/bench/tunnel-bench.js [--seconds N] [--pings N]
import { findMissingPrograms } from '../../helpers/netns-exec.js';
import { ping } from '../../helpers/netns-ping.js';
import { NetnsLab } from '../../helpers/netns.js';
import { createTunnelPair } from '../../helpers/wg-pair.js';
import { implementationUnavailableReason, type WgImplementationKind } from '../../helpers/wg-peer.js';
import { formatTable, type PairFigures } from './bench-table.js';
import { measureThroughput, startIperfServer } from './iperf.js';

interface Settings {
  readonly seconds: number;
  readonly pings: number;
}

const PAIRS: readonly { local: WgImplementationKind; remote: WgImplementationKind }[] = [
  { local: 'burrow', remote: 'wireguard-go' },
  { local: 'wireguard-go', remote: 'wireguard-go' },
];
const WARM_UP_DEADLINE_S = 10;

/** The lab being measured, so a Ctrl-C can still clean it up. */
let activeLab: NetnsLab | undefined;
/** Set on SIGINT/SIGTERM: no new pair starts once cleanup has begun. */
let stopping = false;

async function measurePair(
  local: WgImplementationKind,
  remote: WgImplementationKind,
  settings: Settings,
): Promise<PairFigures> {
  const label = `${local} ↔ ${remote}`;
  const unavailable = (await implementationUnavailableReason(local)) ?? (await implementationUnavailableReason(remote));
  if (unavailable !== undefined) {
    return { label, problem: `not available: ${unavailable}` };
  }
  const lab = await NetnsLab.create('bench');
  activeLab = lab;
  if (stopping) {
    await lab.close();
    throw new Error('Interrupted');
  }
  try {
    const pair = await createTunnelPair(lab, { local: { kind: local }, remote: { kind: remote } });
    const warmUp = await ping(pair.local.ns, pair.remote.ipv4, { count: 3, deadlineSeconds: WARM_UP_DEADLINE_S });
    if (warmUp.received === 0) {
      return { label, problem: 'failed: no ping reply through the tunnel' };
    }
    const rtt = await ping(pair.local.ns, pair.remote.ipv4, {
      count: settings.pings,
      intervalSeconds: 0.1,
      deadlineSeconds: settings.pings,
    });
    await startIperfServer(lab, pair.remote.ns, pair.remote.ipv4);
    log(`${label}: local → remote, ${settings.seconds} s`);
    const upload = await measureThroughput(
      pair.local.ns,
      pair.remote.ipv4,
      settings.seconds,
      false,
      pair.local.process.pid,
    );
    log(`${label}: remote → local, ${settings.seconds} s`);
    const download = await measureThroughput(
      pair.local.ns,
      pair.remote.ipv4,
      settings.seconds,
      true,
      pair.local.process.pid,
    );
    return { label, upload, download, ...(rtt.rtt ? { rtt: rtt.rtt } : {}), pingLoss: rtt.transmitted - rtt.received };
  } catch (error) {
    if (stopping) {
      throw error;
    }
    // One pair failing (say, our engine crashing under load) still leaves the other's figures.
    log(`${label}: ${error instanceof Error ? error.message : String(error)}`);
    return { label, problem: `failed: ${error instanceof Error ? error.message : String(error)}` };
  } finally {
    activeLab = undefined;
    await lab.close();
  }
}

function parseSettings(argv: readonly string[]): Settings {
  const settings = { seconds: 10, pings: 20 };
  for (let index = 0; index < argv.length; index += 2) {
    const [flag, value] = [argv[index], argv[index + 1]];
    const number = Number(value);
    if ((flag !== '--seconds' && flag !== '--pings') || !Number.isInteger(number) || number < 1 || number > 600) {
      throw new Error(`usage: tunnel-bench.js [--seconds 1-600] [--pings 1-600]; got ${argv.join(' ')}`);
    }
    settings[flag === '--seconds' ? 'seconds' : 'pings'] = number;
  }
  return settings;
}

function log(message: string): void {
  console.error(`bench: ${message}`);
}

async function main(): Promise<void> {
  const settings = parseSettings(process.argv.slice(2));
  if (process.getuid?.() !== 0) {
    throw new Error('The tunnel benchmark creates network namespaces and needs root.');
  }
  const missing = await findMissingPrograms(['ip', 'wg', 'ping', 'iperf3']);
  if (missing.length > 0) {
    throw new Error(`Missing programs: ${missing.join(', ')} (scripts/install-deps.sh system test)`);
  }
  const figures: PairFigures[] = [];
  for (const { local, remote } of PAIRS) {
    if (stopping) {
      return;
    }
    log(`${local} ↔ ${remote}: setting up`);
    figures.push(await measurePair(local, remote, settings));
  }
  console.log(formatTable(figures, settings));
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    stopping = true;
    log(`${signal}: cleaning up`);
    void (activeLab?.close() ?? Promise.resolve())
      .catch((error: unknown) => log(`cleanup failed: ${error instanceof Error ? error.message : String(error)}`))
      .finally(() => process.exit(130));
  });
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
});
