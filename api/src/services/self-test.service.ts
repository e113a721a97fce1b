// burrowd's self-test: does the box keep its promise right now? burrowd runs it by itself after every change of
// tunnel or kill switch and after every failover, and when someone asks; it keeps the last result and reports it
// in `status`, so the result outlives a restart of the API and is the same for every reader.
import { Injectable } from '@nestjs/common';
import { FirmwareRepository } from '../repositories/firmware.repository.js';
import { Clock } from './clock.js';
import { DomainError } from './domain-error.js';
import {
  readLastSelfTest,
  readSelfTestReport,
  readSelfTestRun,
  reportsLastSelfTest,
  type SelfTestCheckReport,
  type SelfTestTrigger,
} from './router-report.js';
import { StatusHubService } from './status-hub.service.js';

export interface SelfTestResult {
  /** When the self-test ran. */
  at: Date;
  /** What made it run: an applied change, a failover, or someone asking. */
  trigger: SelfTestTrigger;
  /** Every check passed. */
  pass: boolean;
  checks: SelfTestCheckReport[];
}

@Injectable()
export class SelfTestService {
  /** The result of a run asked for here, for a burrowd too old to report its last one in `status`. */
  private asked: SelfTestResult | null = null;
  private running: Promise<SelfTestResult> | null = null;

  constructor(
    private readonly firmware: FirmwareRepository,
    private readonly hub: StatusHubService,
    private readonly clock: Clock,
  ) {}

  /** The last result burrowd reports, or null when none ran since it started. */
  async lastResult(): Promise<SelfTestResult | null> {
    return this.fromReport((await this.hub.read()).raw);
  }

  /** The last result in one of burrowd's reports; from a burrowd that does not report it, the last one asked here. */
  fromReport(raw: unknown): SelfTestResult | null {
    if (!reportsLastSelfTest(raw)) {
      return this.asked;
    }
    const reported = readLastSelfTest(raw);
    return reported === null ? null : summarize(new Date(reported.at), reported.trigger, reported.checks);
  }

  /** Runs burrowd's self-test; callers that come while one runs share its answer. */
  run(): Promise<SelfTestResult> {
    this.running ??= this.runOnce().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async runOnce(): Promise<SelfTestResult> {
    const answer = await this.firmware.selfTest();
    const checks = readSelfTestReport(answer);
    if (checks === null) {
      throw new DomainError(
        'unavailable',
        'firmware_unavailable',
        "The router's service (burrowd) does not answer, so the self-test cannot run.",
      );
    }
    // burrowd says when it ran (and keeps it as its last); an older one gives the checks only.
    const run = readSelfTestRun(answer);
    this.asked =
      run === null ? summarize(this.clock.now(), 'request', checks) : summarize(new Date(run.at), 'request', checks);
    this.hub.invalidate();
    return this.asked;
  }
}

function summarize(at: Date, trigger: SelfTestTrigger, checks: SelfTestCheckReport[]): SelfTestResult {
  return { at, trigger, pass: checks.length > 0 && checks.every((check) => check.pass), checks };
}
