import { Injectable } from '@nestjs/common';
import { Clock } from './clock.js';
import { type RemotePeerReport } from './household-report.js';
import { type ByteCounts } from './traffic-counters.js';
import { HOUR_SECONDS, MINUTE_SECONDS, type TrafficBucket } from './traffic-range.js';

/** Minutes older than this fold into hours; hours older than a month go. */
const MINUTES_KEPT_SECONDS = 25 * HOUR_SECONDS;
const HOURS_KEPT_SECONDS = 31 * 24 * HOUR_SECONDS;

/**
 * Bytes per remote device per minute (then per hour), from the remote-access engine's peer counters. Kept in
 * memory only, since the API started: remote devices are few, and the SD card is spared a write per device per
 * minute. A counter that goes down (burrowd or the engine restarted, the peer was reconfigured) started again at
 * zero; the first report of a peer only sets its baseline, as for the upstream tunnel (traffic-counters.ts).
 */
@Injectable()
export class RemoteTrafficService {
  private readonly last = new Map<string, ByteCounts>();
  /** By device id: bucket start (epoch seconds) → bytes; minutes and hours side by side. */
  private readonly buckets = new Map<number, Map<number, ByteCounts>>();
  private countedAt = 0;

  constructor(private readonly clock: Clock) {}

  /** Adds what each device's counters grew by since the previous report; each report counts once. */
  count(reportAt: number, peers: readonly RemotePeerReport[], deviceIds: ReadonlyMap<string, number>): void {
    if (reportAt <= this.countedAt) {
      return;
    }
    this.countedAt = reportAt;
    const now = this.clock.now().getTime() / 1000;
    const minute = Math.floor(now / MINUTE_SECONDS) * MINUTE_SECONDS;
    for (const peer of peers) {
      const before = this.last.get(peer.publicKey);
      this.last.set(peer.publicKey, { rxBytes: peer.rxBytes, txBytes: peer.txBytes });
      const id = deviceIds.get(peer.publicKey);
      if (before === undefined || id === undefined) {
        continue;
      }
      const reset = peer.rxBytes < before.rxBytes || peer.txBytes < before.txBytes;
      const added = {
        rxBytes: reset ? peer.rxBytes : peer.rxBytes - before.rxBytes,
        txBytes: reset ? peer.txBytes : peer.txBytes - before.txBytes,
      };
      if (added.rxBytes === 0 && added.txBytes === 0) {
        continue;
      }
      const device = this.buckets.get(id) ?? new Map<number, ByteCounts>();
      this.buckets.set(id, device);
      const bucket = device.get(minute) ?? { rxBytes: 0, txBytes: 0 };
      device.set(minute, { rxBytes: bucket.rxBytes + added.rxBytes, txBytes: bucket.txBytes + added.txBytes });
    }
    this.age(now);
  }

  /** The device's buckets starting in `[from, to)`. */
  samples(id: number, from: number, to: number): TrafficBucket[] {
    return [...(this.buckets.get(id) ?? new Map<number, ByteCounts>()).entries()]
      .filter(([bucket]) => bucket >= from && bucket < to)
      .map(([bucket, counts]) => ({ bucket, ...counts }));
  }

  forget(id: number): void {
    this.buckets.delete(id);
  }

  private age(now: number): void {
    const foldBefore = Math.floor((now - MINUTES_KEPT_SECONDS) / HOUR_SECONDS) * HOUR_SECONDS;
    for (const device of this.buckets.values()) {
      for (const [bucket, counts] of [...device.entries()]) {
        if (bucket < now - HOURS_KEPT_SECONDS) {
          device.delete(bucket);
        } else if (bucket < foldBefore && bucket % HOUR_SECONDS !== 0) {
          const hour = bucket - (bucket % HOUR_SECONDS);
          const into = device.get(hour) ?? { rxBytes: 0, txBytes: 0 };
          device.set(hour, { rxBytes: into.rxBytes + counts.rxBytes, txBytes: into.txBytes + counts.txBytes });
          device.delete(bucket);
        }
      }
    }
  }
}
