/** Test helpers for the protocol core's Result values (errors.ts). */
import { type Result } from '../errors.js';

/** The value of a success; a failure throws with its error and detail, so the test fails saying why. */
export function unwrap<T>(result: Result<T>): T {
  if (!result.ok) {
    throw new Error(`${result.error}${result.detail ? `: ${result.detail}` : ''}`);
  }
  return result.value;
}

/** The error of a failure, or undefined for a success. */
export function errorOf<T>(result: Result<T>): string | undefined {
  return result.ok ? undefined : result.error;
}
