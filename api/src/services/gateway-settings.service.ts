import { Injectable } from '@nestjs/common';
import { SettingRepository } from '../repositories/setting.repository.js';

const KILL_SWITCH = 'gateway.killSwitch';
const SELECTED_TUNNEL = 'gateway.selectedTunnelId';
const EXIT_CHECK_URL = 'gateway.exitCheckUrl';

/**
 * The household's gateway choices kept as settings: the kill switch (on unless turned off), the chosen profile,
 * and the exit check's URL (none unless an admin chose one).
 */
@Injectable()
export class GatewaySettingsService {
  constructor(private readonly settings: SettingRepository) {}

  async killSwitch(): Promise<boolean> {
    const value = (await this.settings.read([KILL_SWITCH])).get(KILL_SWITCH);
    // Anything but an explicit false is on: a damaged setting fails closed.
    return value !== false;
  }

  async setKillSwitch(enabled: boolean): Promise<void> {
    await this.settings.write(new Map([[KILL_SWITCH, enabled]]), new Date());
  }

  async selectedTunnelId(): Promise<number | null> {
    const value = (await this.settings.read([SELECTED_TUNNEL])).get(SELECTED_TUNNEL);
    return typeof value === 'number' && Number.isInteger(value) ? value : null;
  }

  async selectTunnel(id: number | null): Promise<void> {
    await this.settings.write(new Map([[SELECTED_TUNNEL, id]]), new Date());
  }

  async exitCheckUrl(): Promise<string | null> {
    const value = (await this.settings.read([EXIT_CHECK_URL])).get(EXIT_CHECK_URL);
    return typeof value === 'string' && value !== '' ? value : null;
  }

  async setExitCheckUrl(url: string | null): Promise<void> {
    await this.settings.write(new Map([[EXIT_CHECK_URL, url]]), new Date());
  }
}
