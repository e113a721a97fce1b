import { Injectable } from '@nestjs/common';
import { SettingRepository } from '../repositories/setting.repository.js';
import { isRecord } from './report-fields.js';
import { readLanInForce } from './household-report.js';
import { StatusHubService } from './status-hub.service.js';

const LAN_SETTINGS = 'lan.settings';

export interface LanPlan {
  address: string;
  dhcp: { rangeStart: string; rangeEnd: string; leaseSeconds: number };
  domain: string;
}

export interface EffectiveLan extends LanPlan {
  ipv6Prefix: string | null;
  /** The admin saved these (they go into the desired state); false: burrowd's (the board's) or the default. */
  saved: boolean;
}

/** What a board without a LAN in its report is assumed to run (the image's board files say the same). */
export const FALLBACK_LAN: LanPlan = {
  address: '192.168.8.1/24',
  dhcp: { rangeStart: '192.168.8.100', rangeEnd: '192.168.8.250', leaseSeconds: 12 * 60 * 60 },
  domain: 'lan',
};

/**
 * The household's LAN plan as a setting. Until an admin saves one, the LAN is the board's: the desired state then
 * leaves address and DHCP out, and reads fall back to what burrowd reports in force.
 */
@Injectable()
export class LanSettingsService {
  constructor(
    private readonly settings: SettingRepository,
    private readonly hub: StatusHubService,
  ) {}

  /** The admin's plan; null before one was saved (or when the stored value does not read). */
  async saved(): Promise<LanPlan | null> {
    const value = (await this.settings.read([LAN_SETTINGS])).get(LAN_SETTINGS);
    if (!isRecord(value) || !isRecord(value['dhcp'])) {
      return null;
    }
    const { address, domain, dhcp } = value;
    const { rangeStart, rangeEnd, leaseSeconds } = dhcp;
    if (
      typeof address !== 'string' ||
      typeof domain !== 'string' ||
      typeof rangeStart !== 'string' ||
      typeof rangeEnd !== 'string' ||
      typeof leaseSeconds !== 'number'
    ) {
      return null;
    }
    return { address, domain, dhcp: { rangeStart, rangeEnd, leaseSeconds } };
  }

  async save(plan: LanPlan): Promise<void> {
    await this.settings.write(new Map([[LAN_SETTINGS, plan]]), new Date());
  }

  /** The LAN as the household sees it: the admin's plan, else burrowd's report of the LAN in force, else the default. */
  async effective(): Promise<EffectiveLan> {
    const [saved, { raw }] = await Promise.all([this.saved(), this.hub.read()]);
    const inForce = readLanInForce(raw);
    const plan = saved ?? inForce ?? FALLBACK_LAN;
    return {
      address: plan.address,
      dhcp: { ...plan.dhcp },
      domain: plan.domain,
      ipv6Prefix: inForce?.ipv6Prefix ?? null,
      saved: saved !== null,
    };
  }
}
