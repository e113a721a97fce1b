// Codes an authenticator app would show, from the secret the enrolment page displays (RFC 6238, SHA-1, 6 digits, 30 s).
import { setTimeout } from 'node:timers/promises';
import { Secret, TOTP } from 'otpauth';

const PERIOD_SECONDS = 30;

function totp(secretBase32: string): TOTP {
  return new TOTP({
    secret: Secret.fromBase32(secretBase32.replace(/\s+/g, '')),
    algorithm: 'SHA1',
    digits: 6,
    period: PERIOD_SECONDS,
  });
}

/** The time step a moment falls in. */
export function totpStep(timestampMs: number = Date.now()): number {
  return Math.floor(timestampMs / 1000 / PERIOD_SECONDS);
}

export function totpCodeForStep(secretBase32: string, step: number): string {
  return totp(secretBase32).generate({ timestamp: step * PERIOD_SECONDS * 1000 });
}

/**
 * A code the router accepts now that has not been used yet. Each code works once, so after a code of step
 * `usedStep` the next must come from a later step, and the router takes codes up to one step ahead of its
 * clock: when `usedStep` is already that step ahead, this waits (at most one period) for time to catch up.
 */
export async function unusedTotpCode(secretBase32: string, usedStep: number): Promise<{ code: string; step: number }> {
  while (totpStep() < usedStep) {
    const nextBoundaryMs = (totpStep() + 1) * PERIOD_SECONDS * 1000;
    await setTimeout(nextBoundaryMs - Date.now() + 50);
  }
  const step = Math.max(totpStep(), usedStep + 1);
  return { code: totpCodeForStep(secretBase32, step), step };
}

/** Six digits that are not a valid code anywhere in the window around now. */
export function wrongTotpCode(secretBase32: string): string {
  const now = totpStep();
  const valid = new Set([-2, -1, 0, 1, 2].map((offset) => totpCodeForStep(secretBase32, now + offset)));
  for (let candidate = 0; ; candidate += 1) {
    const code = String(candidate).padStart(6, '0');
    if (!valid.has(code)) {
      return code;
    }
  }
}
