import { Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { FirmwareRepository } from '../repositories/firmware.repository.js';
import { SettingRepository } from '../repositories/setting.repository.js';
import { AuditService } from './audit.service.js';
import { readGatewayReport } from './gateway-report.js';

const POLL_MS = 10_000;
const LAST_AUDITED = 'gateway.lastFailoverEventAt';

/**
 * Puts burrowd's failover switches in the audit log, each once, also those made while the API was down (burrowd
 * keeps its newest events). The switches themselves happen in burrowd; this only records them.
 */
@Injectable()
export class GatewayEventsService implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | null = null;
  private busy = false;

  constructor(
    private readonly firmware: FirmwareRepository,
    private readonly settings: SettingRepository,
    private readonly audit: AuditService,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.record(), POLL_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer !== null) {
      clearInterval(this.timer);
    }
  }

  /** Audits the events burrowd reports that are newer than the last one audited. */
  async record(): Promise<number> {
    if (this.busy) {
      return 0;
    }
    this.busy = true;
    try {
      const report = readGatewayReport(await this.firmware.status());
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
