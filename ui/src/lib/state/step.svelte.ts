import { tick } from 'svelte';
import { messageForForm } from '$lib/api/errors';
import type { Focusable } from '$lib/validation/focus';

export interface StepOutcome {
  tone: 'error' | 'success';
  text: string;
}

/**
 * One step someone takes on a form or panel (save, renew, sign out a session…): busy while it runs, then
 * its outcome, shown in an Alert bound to `alert` that takes the focus so the outcome is read next.
 */
export class Step {
  busy = $state(false);
  outcome = $state<StepOutcome | null>(null);
  alert: Focusable | undefined = $state();

  clear(): void {
    this.outcome = null;
  }

  async report(tone: StepOutcome['tone'], text: string): Promise<void> {
    this.outcome = { tone, text };
    await tick();
    this.alert?.focus();
  }

  /**
   * Runs `action`; reports the success text it returns, or the API's reason it failed, unless
   * `shownAtField` shows that failure at a form field itself (and returns true).
   */
  async run(action: () => Promise<string>, shownAtField?: (error: unknown) => boolean): Promise<void> {
    this.busy = true;
    this.outcome = null;
    let outcome: StepOutcome;
    try {
      outcome = { tone: 'success', text: await action() };
    } catch (error) {
      if (shownAtField?.(error)) {
        return;
      }
      outcome = { tone: 'error', text: messageForForm(error) };
    } finally {
      this.busy = false;
    }
    await this.report(outcome.tone, outcome.text);
  }
}
