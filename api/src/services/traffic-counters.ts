// Turning burrowd's running byte counters into bytes carried since the last report. The upstream engine's peers
// count rx/tx from the moment the engine (re)configured them; a restart, a failover to another profile or a
// reconfiguration starts them again at zero. Only differences are ever stored, so a reset must never read as a
// huge negative or positive jump.
import { readGatewayReport } from './gateway-report.js';

export interface ByteCounts {
  rxBytes: number;
  txBytes: number;
}

/** The carrying profile and the engine's peer counters in one report; null when the report says neither. */
export interface EngineCounters {
  /** The profile burrowd says carries traffic; null when none does (nothing is attributed then). */
  readonly profileId: number | null;
  /** The engine process (null: not reported), so a restart that outgrew the old counters still reads as a reset. */
  readonly enginePid: number | null;
  readonly peers: ReadonlyArray<{ readonly publicKey: string } & ByteCounts>;
}

export function readEngineCounters(raw: unknown): EngineCounters | null {
  const report = readGatewayReport(raw);
  if (report === null) {
    return null;
  }
  const pid = (raw as { engine?: { pid?: unknown } }).engine?.pid;
  return {
    profileId: report.profiles.some((profile) => profile.id === report.activeId) ? report.activeId : null,
    enginePid: typeof pid === 'number' && Number.isInteger(pid) ? pid : null,
    peers: report.peers,
  };
}

/**
 * The last counter seen per engine peer, and the bytes each new report adds.
 *
 * Counters are keyed by the peer's public key (within one engine process), not by profile: burrowd marks the new profile active
 * before the engine is reconfigured for it, so for a moment the old profile's peers run under the new profile's id.
 * Keyed by profile, that moment would read as a fresh counter and count the old peer's whole lifetime again.
 * Keyed by peer, the old counter carries on (its last few seconds go to the newly active profile) and the new
 * peer's counter is fresh when it appears. A counter that went down, or a peer not seen before, started at zero
 * since the last report: all of its value is new.
 *
 * The first report after the API starts only sets the baseline: the counters then hold everything since the engine
 * started, most of it counted before the restart, so counting it again would double it. The bytes carried while
 * the API was down are lost rather than guessed.
 */
export class TrafficCounters {
  private last: { enginePid: number | null; peers: Map<string, ByteCounts> } | null = null;

  /** The bytes carried since the previous report, for `counters.profileId`; zero on the first report. */
  observe(counters: EngineCounters): ByteCounts {
    const previous = this.last;
    const added = { rxBytes: 0, txBytes: 0 };
    // A report that lists no peers (the engine's socket did not answer, or no engine runs) keeps the baseline: if
    // the same counters come back, they carry on from it rather than counting their whole value again. Before any
    // baseline, the first peers seen become it, even if an engine started since: a few uncounted handshake bytes
    // are better than a whole lifetime counted twice after a glitch.
    if (counters.peers.length === 0) {
      return added;
    }
    // Another engine process: every counter started again, even one that has since outgrown the old value.
    const restarted =
      previous !== null &&
      previous.enginePid !== null &&
      counters.enginePid !== null &&
      previous.enginePid !== counters.enginePid;
    const peers = new Map<string, ByteCounts>();
    for (const peer of counters.peers) {
      peers.set(peer.publicKey, { rxBytes: peer.rxBytes, txBytes: peer.txBytes });
      if (previous !== null) {
        const before = restarted ? undefined : previous.peers.get(peer.publicKey);
        const grown = before === undefined ? peer : grewBy(before, peer);
        added.rxBytes += grown.rxBytes;
        added.txBytes += grown.txBytes;
      }
    }
    this.last = { enginePid: counters.enginePid ?? previous?.enginePid ?? null, peers };
    // Without a carrying profile the bytes belong to no one; the baseline still moves on.
    return counters.profileId === null ? { rxBytes: 0, txBytes: 0 } : added;
  }
}

/** What a pair of counters grew by since `before`; a counter that went down started again, so all of it counts. */
export function grewBy(before: ByteCounts, now: ByteCounts): ByteCounts {
  const reset = now.rxBytes < before.rxBytes || now.txBytes < before.txBytes;
  return reset
    ? { rxBytes: now.rxBytes, txBytes: now.txBytes }
    : { rxBytes: now.rxBytes - before.rxBytes, txBytes: now.txBytes - before.txBytes };
}
