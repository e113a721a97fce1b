// burrowd's self-test, run on demand: does the box keep its promise right now? The last result is kept in memory
// (it describes the running system, so a restart of the API rightly forgets it) and read by the Status page.
import { Injectable } from '@nestjs/common';
import { FirmwareRepository } from '../repositories/firmware.repository.js';
import { Clock } from './clock.js';
import { DomainError } from './domain-error.js';
import { readSelfTestReport, type SelfTestCheckReport } from './router-report.js';

export interface SelfTestResult {
  /** When the self-test ran. */
  at: Date;
  /** Every check passed. */
  pass: boolean;
  checks: SelfTestCheckReport[];
}

@Injectable()
export class SelfTestService {
  private last: SelfTestResult | null = null;
  private running: Promise<SelfTestResult> | null = null;

  constructor(
    private readonly firmware: FirmwareRepository,
    private readonly clock: Clock,
  ) {}

  /** The last result, or null when none ran since the API started. */
  lastResult(): SelfTestResult | null {
    return this.last;
  }

  /** Runs burrowd's self-test; callers that come while one runs share its answer. */
  run(): Promise<SelfTestResult> {
    this.running ??= this.runOnce().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async runOnce(): Promise<SelfTestResult> {
    const checks = readSelfTestReport(await this.firmware.selfTest());
    if (checks === null) {
      throw new DomainError(
        'unavailable',
        'firmware_unavailable',
        "The router's service (burrowd) does not answer, so the self-test cannot run.",
      );
    }
    const result = { at: this.clock.now(), pass: checks.length > 0 && checks.every((check) => check.pass), checks };
    this.last = result;
    return result;
  }
}
