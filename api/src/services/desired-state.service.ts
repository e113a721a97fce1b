import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { type DesiredStateV2Input } from '@burrow/firmware/control/desired-state-v2';
import { FirmwareRepository } from '../repositories/firmware.repository.js';
import { TunnelProfileRepository } from '../repositories/tunnel-profile.repository.js';
import { GatewaySettingsService } from './gateway-settings.service.js';
import { StatusHubService } from './status-hub.service.js';
import { BackgroundWork } from './background-work.js';

/** While burrowd cannot be reached, the newest state is offered again this often. */
const RETRY_MS = 5_000;

export type SyncState = 'applied' | 'pending' | 'refused';

export interface SyncStatus {
  /** `applied`: burrowd runs what the database says; `pending`: it will once burrowd answers; `refused`: it said no. */
  state: SyncState;
  /** Why it is pending or refused, in burrowd's words. */
  detail: string | null;
  at: string | null;
}

/**
 * The one place that tells burrowd what to do: builds the whole desired state (version 2) from the database and
 * sends it after every change that affects it. Changes are coalesced: while one state is on its way, any number
 * of changes make one more send, of the newest state. When burrowd is down the state stays pending and is sent
 * again until it answers; the kill switch in the kernel holds meanwhile.
 */
@Injectable()
export class DesiredStateService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(DesiredStateService.name);
  private sending: Promise<void> | null = null;
  private dirty = false;
  private retry: NodeJS.Timeout | null = null;
  private closed = false;
  private sync: SyncStatus = { state: 'pending', detail: 'not sent yet', at: null };

  constructor(
    private readonly profiles: TunnelProfileRepository,
    private readonly settings: GatewaySettingsService,
    private readonly firmware: FirmwareRepository,
    private readonly hub: StatusHubService,
    private readonly background: BackgroundWork,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.background.runs) {
      return;
    }
    // burrowd may have restarted from an older saved state, or be new: the database is the truth.
    this.changed();
  }

  onApplicationShutdown(): void {
    this.closed = true;
    if (this.retry !== null) {
      clearTimeout(this.retry);
    }
  }

  get status(): SyncStatus {
    return { ...this.sync };
  }

  /** Something that goes into the state changed: send the newest state, soon, once. */
  changed(): void {
    this.dirty = true;
    this.sending ??= this.drain().finally(() => (this.sending = null));
  }

  /** Resolves when every change made so far has been offered to burrowd. */
  async settled(): Promise<void> {
    while (this.sending !== null) {
      await this.sending;
    }
  }

  async build(): Promise<DesiredStateV2Input> {
    const [records, killSwitch, selectedId, exitCheckUrl] = await Promise.all([
      this.profiles.list(),
      this.settings.killSwitch(),
      this.settings.selectedTunnelId(),
      this.settings.exitCheckUrl(),
    ]);
    const enabled = records.filter((record) => record.enabled);
    return {
      version: 2,
      killSwitch,
      upstream: {
        profiles: enabled.map((record) => ({ id: record.id, name: record.name, ...record.profile })),
        selectedId: enabled.some((record) => record.id === selectedId) ? selectedId : null,
      },
      ...(exitCheckUrl === null ? {} : { exitCheck: { url: exitCheckUrl } }),
    };
  }

  private async drain(): Promise<void> {
    while (this.dirty && !this.closed) {
      this.dirty = false;
      const result = await this.firmware.apply(await this.build());
      // What burrowd reports may have changed with it: readers must not get the report from before.
      this.hub.invalidate();
      const at = new Date().toISOString();
      if (result.outcome === 'applied') {
        if (this.sync.state !== 'applied') {
          this.logger.log('burrowd applied the desired state');
        }
        this.sync = { state: 'applied', detail: result.warnings.join('; ') || null, at };
      } else if (result.outcome === 'refused') {
        this.logger.error(`burrowd refused the desired state: ${result.errors.join('; ')}`);
        this.sync = { state: 'refused', detail: result.errors.join('; '), at };
      } else {
        if (this.sync.detail !== result.reason) {
          this.logger.warn(`burrowd is not reachable; the state will be sent when it is: ${result.reason}`);
        }
        this.sync = { state: 'pending', detail: result.reason, at };
        this.scheduleRetry();
      }
    }
  }

  private scheduleRetry(): void {
    if (this.retry !== null || this.closed) {
      return;
    }
    this.retry = setTimeout(() => {
      this.retry = null;
      this.changed();
    }, RETRY_MS);
    this.retry.unref();
  }
}
