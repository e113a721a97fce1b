// burrowd's last self-test and exit check, as the status report shows them. Each runs one at a time: a request
// arriving while one runs waits for it and then runs its own, so an answer never predates its request.
import { type CheckResult } from '../control/self-test.js';
import { type ExitCheckResult, type ExitCheckTarget, fetchExitAddress } from '../control/exit-check.js';

export type SelfTestTrigger = 'change' | 'failover' | 'request';

export interface SelfTestReport {
  /** When it finished, epoch ms. */
  readonly at: number;
  readonly trigger: SelfTestTrigger;
  readonly pass: boolean;
  readonly checks: readonly CheckResult[];
}

/** What the exit check needs now: null when no URL is set; `target` null (with a reason) when it cannot run. */
export type ExitCheckPlan = {
  readonly url: string;
  readonly profileId: number | null;
  readonly target: ExitCheckTarget | { readonly problem: string };
} | null;

export interface HealthChecksOptions {
  readonly runSelfTest: () => Promise<CheckResult[]>;
  readonly planExitCheck: () => ExitCheckPlan;
  readonly fetchExitAddress?: (target: ExitCheckTarget) => Promise<string>;
  readonly now?: () => number;
}

export class HealthChecks {
  private selfTestReport: SelfTestReport | null = null;
  private exitCheckResult: ExitCheckResult | null = null;
  private selfTestQueue: Promise<unknown> = Promise.resolve();
  private exitCheckQueue: Promise<unknown> = Promise.resolve();
  private readonly now: () => number;

  constructor(private readonly options: HealthChecksOptions) {
    this.now = options.now ?? Date.now;
  }

  get lastSelfTest(): SelfTestReport | null {
    return this.selfTestReport;
  }

  /** The last exit check for the URL set now; null when none is set or it never ran for this URL. */
  lastExitCheck(url: string | null): ExitCheckResult | null {
    return url !== null && this.exitCheckResult?.url === url ? this.exitCheckResult : null;
  }

  selfTest(trigger: SelfTestTrigger): Promise<SelfTestReport> {
    const run = this.selfTestQueue.then(async () => {
      const checks = await this.options.runSelfTest();
      const report = { at: this.now(), trigger, pass: checks.every((check) => check.pass), checks };
      this.selfTestReport = report;
      return report;
    });
    this.selfTestQueue = run.catch(() => undefined);
    return run;
  }

  /** Runs the exit check; null when no URL is set. Never throws: a failure is the result's error. */
  exitCheck(): Promise<ExitCheckResult | null> {
    const run = this.exitCheckQueue.then(async () => {
      const plan = this.options.planExitCheck();
      if (plan === null) {
        return null;
      }
      let address: string | null = null;
      let error: string | null = null;
      if ('problem' in plan.target) {
        error = plan.target.problem;
      } else {
        try {
          address = await (this.options.fetchExitAddress ?? fetchExitAddress)(plan.target);
        } catch (caught) {
          error = (caught as Error).message;
        }
      }
      const result = { url: plan.url, address, checkedAt: this.now(), profileId: plan.profileId, error };
      this.exitCheckResult = result;
      return result;
    });
    this.exitCheckQueue = run.catch(() => undefined);
    return run;
  }
}
