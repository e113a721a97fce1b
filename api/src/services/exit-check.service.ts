// Where the Internet sees the household: burrowd fetches the admin's "what is my address" URL through the tunnel
// (never the WAN) after each connect and failover, and when asked; this service keeps the URL and reads the result.
import { Injectable } from '@nestjs/common';
import { type UserEntity } from '../entities/user.entity.js';
import { FirmwareRepository } from '../repositories/firmware.repository.js';
import { AuditService } from './audit.service.js';
import { type ClientInfo } from './client-info.js';
import { DesiredStateService } from './desired-state.service.js';
import { DomainError } from './domain-error.js';
import { type ExitCheckReport, readExitCheck, readReportedExitCheck } from './exit-check-report.js';
import { validExitCheckUrl } from './exit-check-url.js';
import { readGatewayReport } from './gateway-report.js';
import { GatewaySettingsService } from './gateway-settings.service.js';
import { StatusHubService } from './status-hub.service.js';

export interface ExitCheckResult extends ExitCheckReport {
  /** The name of the profile whose tunnel carried the request, when burrowd still knows it. */
  profileName: string | null;
}

export interface ExitCheckState {
  /** null: the exit check is off (the default: nothing is fetched until an admin chooses a URL). */
  url: string | null;
  result: ExitCheckResult | null;
}

@Injectable()
export class ExitCheckService {
  constructor(
    private readonly settings: GatewaySettingsService,
    private readonly hub: StatusHubService,
    private readonly firmware: FirmwareRepository,
    private readonly desiredState: DesiredStateService,
    private readonly audit: AuditService,
  ) {}

  async state(): Promise<ExitCheckState> {
    const [url, report] = await Promise.all([this.settings.exitCheckUrl(), this.hub.read()]);
    return { url, result: url === null ? null : this.withName(readReportedExitCheck(report.raw), report.raw) };
  }

  /** The last result in one of burrowd's reports, named; null when the check is off or never ran. */
  fromReport(raw: unknown): ExitCheckResult | null {
    return this.withName(readReportedExitCheck(raw), raw);
  }

  /** Sets (or, with an empty string, turns off) the URL, and answers once burrowd has it (or is not there). */
  async setUrl(input: string, actor: UserEntity, client: ClientInfo): Promise<ExitCheckState> {
    if (await this.keep(validExitCheckUrl(input), actor, client)) {
      await this.desiredState.settled();
    }
    return this.state();
  }

  /**
   * Keeps an already validated URL (null: off), audited, and has it sent to burrowd without waiting; whether it
   * changed anything.
   */
  async keep(url: string | null, actor: UserEntity, client: ClientInfo): Promise<boolean> {
    if ((await this.settings.exitCheckUrl()) === url) {
      return false;
    }
    await this.settings.setExitCheckUrl(url);
    // The URL is not written to the audit log: a query string can carry a service's access token.
    await this.audit.record({
      action: 'gateway.exit_check_changed',
      actor,
      address: client.address,
      details: { enabled: url !== null },
    });
    this.desiredState.changed();
    return true;
  }

  /** Has burrowd check again now, through the tunnel in force. */
  async checkNow(): Promise<ExitCheckResult> {
    if ((await this.settings.exitCheckUrl()) === null) {
      throw new DomainError(
        'conflict',
        'exit_check_off',
        'No address to check with is set; choose one first (nothing is fetched until an admin does).',
      );
    }
    // burrowd must have the URL before it can use it (a change may still be on its way).
    await this.desiredState.settled();
    const answer = await this.firmware.exitCheck();
    if (answer === null) {
      throw new DomainError(
        'unavailable',
        'firmware_unavailable',
        "The router's service (burrowd) does not answer, so the exit cannot be checked.",
      );
    }
    const result = answer.ok ? readExitCheck(answer.result) : null;
    if (result === null) {
      throw new DomainError('unavailable', 'exit_check_failed', answer.ok ? 'burrowd gave no result' : answer.error);
    }
    this.hub.invalidate();
    return this.withName(result, this.hub.latest?.raw ?? null)!;
  }

  private withName(result: ExitCheckReport | null, raw: unknown): ExitCheckResult | null {
    if (result === null) {
      return null;
    }
    const profile = readGatewayReport(raw)?.profiles.find((entry) => entry.id === result.profileId);
    return { ...result, profileName: profile?.name ?? null };
  }
}
