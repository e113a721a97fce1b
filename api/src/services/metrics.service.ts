import { Injectable } from '@nestjs/common';
import { MetricsRepository } from '../repositories/metrics.repository.js';
import { readRouterSample } from './metrics-sample.js';
import { SessionService } from './session.service.js';
import { StatusHubService } from './status-hub.service.js';

/** The Prometheus exposition: burrowd's newest status (through the one status hub) and the API's own figures. */
@Injectable()
export class MetricsService {
  constructor(
    private readonly hub: StatusHubService,
    private readonly sessions: SessionService,
    private readonly metrics: MetricsRepository,
  ) {}

  get contentType(): string {
    return this.metrics.contentType;
  }

  /** Read at scrape time: a report no older than the hub's couple of seconds, never a poller of its own. */
  async scrape(now = new Date()): Promise<string> {
    const [report, sessions] = await Promise.all([this.hub.read(), this.sessions.activeCount(now)]);
    return this.metrics.render({ ...readRouterSample(report.raw, now), sessions });
  }
}
