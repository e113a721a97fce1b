import { Injectable, Logger } from '@nestjs/common';
import {
  ABSOLUTE_LIFETIME_HOURS,
  IDLE_TIMEOUT_MINUTES,
  type SecuritySettingsDto,
} from '../dtos/security-settings.dto.js';
import { type ClientInfo } from './client-info.js';
import { SettingRepository } from '../repositories/setting.repository.js';
import { AuditService } from './audit.service.js';

const KEYS: Record<keyof SecuritySettingsDto, string> = {
  idleTimeoutMinutes: 'security.idleTimeoutMinutes',
  absoluteLifetimeHours: 'security.absoluteLifetimeHours',
  requireTotp: 'security.requireTotp',
};

export const DEFAULT_SECURITY_SETTINGS: SecuritySettingsDto = {
  idleTimeoutMinutes: IDLE_TIMEOUT_MINUTES.default,
  absoluteLifetimeHours: ABSOLUTE_LIFETIME_HOURS.default,
  requireTotp: false,
};

/** Session lifetimes and the 2FA policy, stored in the settings table and changed by admins. */
@Injectable()
export class SecuritySettingsService {
  private readonly logger = new Logger(SecuritySettingsService.name);

  constructor(
    private readonly settings: SettingRepository,
    private readonly audit: AuditService,
  ) {}

  async get(): Promise<SecuritySettingsDto> {
    const stored = await this.settings.read(Object.values(KEYS));
    return {
      idleTimeoutMinutes: this.validInt(stored, 'idleTimeoutMinutes', IDLE_TIMEOUT_MINUTES),
      absoluteLifetimeHours: this.validInt(stored, 'absoluteLifetimeHours', ABSOLUTE_LIFETIME_HOURS),
      requireTotp: this.validBoolean(stored, 'requireTotp'),
    };
  }

  async update(
    next: SecuritySettingsDto,
    actor: { username: string },
    client: ClientInfo,
  ): Promise<SecuritySettingsDto> {
    const previous = await this.get();
    const changed = (Object.keys(KEYS) as Array<keyof SecuritySettingsDto>).filter(
      (name) => previous[name] !== next[name],
    );
    if (changed.length === 0) {
      return previous;
    }
    await this.settings.write(new Map(changed.map((name) => [KEYS[name], next[name]])), new Date());
    await this.audit.record({
      action: 'settings.security_changed',
      actor,
      address: client.address,
      target: 'security',
      details: Object.fromEntries(changed.map((name) => [name, next[name]])),
    });
    return this.get();
  }

  // A stored value outside today's bounds (hand-edited, or from an older release) falls back to the default
  // rather than locking everyone out.
  private validInt(
    stored: Map<string, unknown>,
    name: 'idleTimeoutMinutes' | 'absoluteLifetimeHours',
    bounds: { min: number; max: number; default: number },
  ): number {
    const value = stored.get(KEYS[name]);
    if (value === undefined) {
      return bounds.default;
    }
    if (typeof value === 'number' && Number.isInteger(value) && value >= bounds.min && value <= bounds.max) {
      return value;
    }
    this.logger.warn(`setting ${KEYS[name]} is out of range; using ${bounds.default}`);
    return bounds.default;
  }

  private validBoolean(stored: Map<string, unknown>, name: 'requireTotp'): boolean {
    const value = stored.get(KEYS[name]);
    if (value === undefined || typeof value === 'boolean') {
      return value ?? DEFAULT_SECURITY_SETTINGS[name];
    }
    this.logger.warn(`setting ${KEYS[name]} is not a boolean; using ${String(DEFAULT_SECURITY_SETTINGS[name])}`);
    return DEFAULT_SECURITY_SETTINGS[name];
  }
}
