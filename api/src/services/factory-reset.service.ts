import { Injectable, Logger } from '@nestjs/common';
import { RestoreStateError } from '../backups/restore-journal.js';
import { CryptoRepository } from '../repositories/crypto.repository.js';
import { FactoryResetRepository } from '../repositories/factory-reset.repository.js';
import { type Actor, auditedAs } from './actor.js';
import { AuditService } from './audit.service.js';
import { Clock } from './clock.js';
import { DomainError } from './domain-error.js';

/**
 * Brings the box back to how it left the factory: the configuration on the data partition is wiped (the database
 * with its users, tunnels, settings and audit log; the certificates and the CA's key; the stored backups and the
 * device key that opens them), a new CA is made, and the page shows the setup wizard. The wipe is staged with the
 * restore journal and done by the API's next start before the database opens, so a crash at any instant leaves the
 * old configuration or none, never a mix. The audit log goes with the database: the first start records the reset
 * in the new one, from the marker the wipe leaves.
 */
@Injectable()
export class FactoryResetService {
  private readonly logger = new Logger(FactoryResetService.name);

  constructor(
    private readonly files: FactoryResetRepository,
    private readonly crypto: CryptoRepository,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  /**
   * Stages the reset; nothing changes until the API next starts (the console has it restart). Refused while a restore
   * or another reset waits.
   */
  async stage(by: Actor): Promise<{ staged: true; message: string }> {
    const who = auditedAs(by);
    try {
      await this.files.stage({
        id: this.crypto.randomToken(16),
        stagedAt: this.clock.now().toISOString(),
        origin: who.origin,
        username: who.actor?.username ?? null,
      });
    } catch (error) {
      if (error instanceof RestoreStateError) {
        throw new DomainError(
          'conflict',
          'restore_already_staged',
          'A restore or factory reset is already waiting for the next start',
        );
      }
      this.logger.error(`the factory reset could not be staged: ${String(error)}`);
      throw new DomainError(
        'unavailable',
        'restore_failed',
        'The factory reset could not be staged; nothing was changed',
      );
    }
    this.logger.warn(`factory reset staged by ${who.actor?.username ?? 'the recovery console'}`);
    return {
      staged: true,
      message: 'The factory reset is staged: the router software wipes the configuration when it restarts',
    };
  }

  /** Whether a restore or a factory reset waits for the next start. */
  async isStaged(): Promise<boolean> {
    return (await this.files.stagedChange()) !== null;
  }

  /**
   * At start, once the new database is open: records the reset a wipe just applied (`system.factory_reset`, with
   * its origin) and removes its marker. A crash between the two records it once all the same: the reset's id is
   * looked for first. Returns whether there was a reset to record.
   */
  async recordCompleted(): Promise<boolean> {
    const marker = await this.files.readMarker();
    if (marker === undefined) {
      return false;
    }
    if (marker === 'damaged') {
      this.logger.warn('a factory reset left a marker that cannot be read; the reset is not in the audit log');
      await this.files.removeMarker();
      return false;
    }
    const { events } = await this.audit.list({ action: 'system.factory_reset', limit: 20 });
    if (!events.some((event) => event.details.resetId === marker.id)) {
      await this.audit.record(
        {
          action: 'system.factory_reset',
          actor: marker.username === null ? null : { username: marker.username },
          address: null,
          origin: marker.origin,
          details: { resetId: marker.id, stagedAt: marker.stagedAt },
        },
        this.clock.now(),
      );
    }
    await this.files.removeMarker();
    this.logger.warn(`this is a new box: the factory reset staged at ${marker.stagedAt} wiped the configuration`);
    return true;
  }
}
