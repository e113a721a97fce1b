import { Injectable } from '@nestjs/common';
import { type RemotePeerReport } from './household-report.js';
import { type ByteCounts, grewBy } from './traffic-counters.js';
import { type TrafficHistory, TrafficHistoryService } from './traffic-history.service.js';
import { type TrafficRange } from './traffic-range.js';

/**
 * Bytes per remote device, from the remote-access engine's peer counters, into the same history (and the same
 * SQLite table, folding and retention) as the tunnel profiles'. A counter that goes down (burrowd or the engine
 * restarted, the peer was reconfigured) started again at zero; the first report of a peer only sets its baseline,
 * as for the upstream tunnel (traffic-counters.ts). A deleted device's rows go with it (foreign key).
 */
@Injectable()
export class RemoteTrafficService {
  private readonly last = new Map<string, ByteCounts>();
  private countedAt = 0;

  constructor(private readonly history: TrafficHistoryService) {}

  /** Adds what each device's counters grew by since the previous report; each report counts once. */
  count(reportAt: number, peers: readonly RemotePeerReport[], deviceIds: ReadonlyMap<string, number>): void {
    if (reportAt <= this.countedAt) {
      return;
    }
    this.countedAt = reportAt;
    for (const peer of peers) {
      const before = this.last.get(peer.publicKey);
      this.last.set(peer.publicKey, { rxBytes: peer.rxBytes, txBytes: peer.txBytes });
      const id = deviceIds.get(peer.publicKey);
      if (before === undefined || id === undefined) {
        continue;
      }
      this.history.add('remote_device', id, grewBy(before, peer));
    }
  }

  /** The device's chart for `range`; the caller has checked that the device exists. */
  samples(id: number, range: TrafficRange): Promise<TrafficHistory> {
    return this.history.read('remote_device', id, range);
  }
}
