import { Injectable, Logger } from '@nestjs/common';
import { mapHealth, type DatabaseState, type FirmwareState, type HealthDto } from '../dtos/health.dto.js';
import { DatabaseRepository } from '../repositories/database.repository.js';
import { FirmwareRepository } from '../repositories/firmware.repository.js';
import { BURROW_VERSION } from '../version.js';

@Injectable()
export class HealthService {
  private readonly logger = new Logger(HealthService.name);

  constructor(
    private readonly database: DatabaseRepository,
    private readonly firmware: FirmwareRepository,
  ) {}

  async check(): Promise<HealthDto> {
    const [database, firmware] = await Promise.all([this.checkDatabase(), this.checkFirmware()]);
    return mapHealth(database, firmware, BURROW_VERSION);
  }

  private async checkDatabase(): Promise<DatabaseState> {
    try {
      await this.database.ping();
      return 'ok';
    } catch (error) {
      this.logger.error('database check failed', error instanceof Error ? error.stack : String(error));
      return 'error';
    }
  }

  private async checkFirmware(): Promise<FirmwareState> {
    try {
      return (await this.firmware.answers()) ? 'ok' : 'unavailable';
    } catch (error) {
      this.logger.warn(`firmware socket check failed: ${error instanceof Error ? error.message : String(error)}`);
      return 'unavailable';
    }
  }
}
