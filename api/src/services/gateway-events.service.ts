import { Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { SettingRepository } from '../repositories/setting.repository.js';
import { AuditService } from './audit.service.js';
import { Clock } from './clock.js';
import { EventService } from './event.service.js';
import { type EventReport, type GatewayReport, readGatewayReport } from './gateway-report.js';
import {
  readSelfTestStatus,
  readWatchMemory,
  selfTestEvents,
  tunnelEvents,
  type WatchMemory,
} from './report-events.js';
import { type StatusReport, StatusHubService } from './status-hub.service.js';
import { BackgroundWork } from './background-work.js';

const LAST_AUDITED = 'gateway.lastFailoverEventAt';
/** What the events already told (the tunnel down, the last self-test), so a restart does not tell it again. */
const WATCHED = 'events.watched';

/**
 * The one reader of burrowd's reports for what happened: puts its failover switches in the audit log and tells
 * them (and the tunnel going down, coming back, a failing self-test) as events, each once, also those made while
 * the API was down (burrowd keeps its newest switches). The switches themselves happen in burrowd; this only
 * records them, from each report the status hub reads, one report after the other.
 */
@Injectable()
export class GatewayEventsService implements OnApplicationBootstrap, OnApplicationShutdown {
  private unsubscribe: (() => void) | null = null;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly hub: StatusHubService,
    private readonly settings: SettingRepository,
    private readonly audit: AuditService,
    private readonly events: EventService,
    private readonly clock: Clock,
    private readonly background: BackgroundWork,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.background.runs) {
      return;
    }
    this.unsubscribe = this.hub.subscribe((report) => this.record(report), { live: false });
  }

  onApplicationShutdown(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  /**
   * Records what the report (by default a fresh one) shows that was not recorded yet; returns how many failover
   * switches were audited. Reports are handled one at a time, so a call returns once its report is recorded.
   */
  record(status?: StatusReport): Promise<number> {
    const done = this.queue.then(async () => {
      const raw = (status ?? (await this.hub.read())).raw;
      if (raw === null) {
        return 0;
      }
      const stored = await this.settings.read([LAST_AUDITED, WATCHED]);
      const lastAudited = stored.get(LAST_AUDITED);
      const after = typeof lastAudited === 'number' ? lastAudited : 0;
      const before = readWatchMemory(stored.get(WATCHED));
      const report = readGatewayReport(raw);
      const fresh = (report?.events ?? []).filter((event) => event.at > after && event.kind !== 'activated');
      const tunnel =
        report === null ? { events: [], memory: before } : tunnelEvents(fresh, report, before, this.clock.now());
      const selfTest = selfTestEvents(readSelfTestStatus(raw), tunnel.memory, (report?.profiles.length ?? 0) > 0);
      if (report !== null) {
        await this.auditSwitches(report, fresh, after);
      }
      for (const { at, ...event } of [...tunnel.events, ...selfTest.events]) {
        await this.events.record(event, at);
      }
      if (!sameMemory(selfTest.memory, before)) {
        await this.settings.write(new Map([[WATCHED, selfTest.memory]]), new Date());
      }
      return fresh.length;
    });
    this.queue = done.catch(() => undefined);
    return done;
  }

  /** Audits burrowd's new switches and remembers the newest switch seen. */
  private async auditSwitches(report: GatewayReport, fresh: readonly EventReport[], after: number): Promise<void> {
    const names = new Map(report.profiles.map((profile) => [profile.id, profile.name]));
    const name = (id: number | null) => (id === null ? null : (names.get(id) ?? `profile ${id}`));
    for (const event of fresh) {
      await this.audit.record(
        {
          action: 'gateway.failover',
          actor: null,
          address: null,
          target: name(event.to),
          details: { kind: event.kind, from: name(event.from), reason: event.reason },
        },
        new Date(event.at),
      );
    }
    const newest = report.events.at(-1)?.at;
    if (newest !== undefined && newest > after) {
      await this.settings.write(new Map([[LAST_AUDITED, newest]]), new Date());
    }
  }
}

function sameMemory(a: WatchMemory, b: WatchMemory): boolean {
  return a.tunnelDown === b.tunnelDown && a.selfTestAt === b.selfTestAt && a.selfTestFailing === b.selfTestFailing;
}
