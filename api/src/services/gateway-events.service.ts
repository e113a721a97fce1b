import { Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { SettingRepository } from '../repositories/setting.repository.js';
import { AuditService } from './audit.service.js';
import { readGatewayReport } from './gateway-report.js';
import { type StatusReport, StatusHubService } from './status-hub.service.js';

const LAST_AUDITED = 'gateway.lastFailoverEventAt';

/**
 * Puts burrowd's failover switches in the audit log, each once, also those made while the API was down (burrowd
 * keeps its newest events). The switches themselves happen in burrowd; this only records them, from each report
 * the status hub reads.
 */
@Injectable()
export class GatewayEventsService implements OnApplicationBootstrap, OnApplicationShutdown {
  private unsubscribe: (() => void) | null = null;
  private busy = false;

  constructor(
    private readonly hub: StatusHubService,
    private readonly settings: SettingRepository,
    private readonly audit: AuditService,
  ) {}

  onApplicationBootstrap(): void {
    this.unsubscribe = this.hub.subscribe((report) => this.record(report), { live: false });
  }

  onApplicationShutdown(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  /** Audits the events burrowd reports that are newer than the last one audited. */
  async record(status?: StatusReport): Promise<number> {
    if (this.busy) {
      return 0;
    }
    this.busy = true;
    try {
      const report = readGatewayReport((status ?? (await this.hub.read())).raw);
      if (report === null) {
        return 0;
      }
      const stored = (await this.settings.read([LAST_AUDITED])).get(LAST_AUDITED);
      const after = typeof stored === 'number' ? stored : 0;
      const names = new Map(report.profiles.map((profile) => [profile.id, profile.name]));
      const name = (id: number | null) => (id === null ? null : (names.get(id) ?? `profile ${id}`));
      const fresh = report.events.filter((event) => event.at > after && event.kind !== 'activated');
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
      return fresh.length;
    } finally {
      this.busy = false;
    }
  }
}
