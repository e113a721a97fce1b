/**
 * The API's own rules for names and passwords, imported from its sources (`@burrow/api/` is an alias for
 * api/src: see vite.config.ts), so a form can point at the field before sending and the two never disagree.
 * The API checks them again, along with its list of common passwords, which the page does not download: the
 * checklist shows the API's verdict for that one.
 */
import {
  isMostlyUsername,
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  PASSWORD_PROBLEMS,
  passwordLengthProblem,
} from '@burrow/api/services/password-rules';
import { usernameProblem as apiUsernameProblem } from '@burrow/api/services/username-rules';

export { isMostlyUsername, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, PASSWORD_PROBLEMS };

/** What is wrong with a typed name, in the API's words; an empty field only asks for one. */
export function usernameProblem(username: string): string | null {
  if (username === '') {
    return 'Enter a user name.';
  }
  return apiUsernameProblem(username.normalize('NFC')) ?? null;
}

/** What is wrong with a new password for `username`, in the API's words, common passwords aside. */
export function newPasswordProblem(password: string, username: string): string | null {
  if (password === '') {
    return 'Enter a password.';
  }
  return (
    passwordLengthProblem(password) ?? (isMostlyUsername(password, username) ? PASSWORD_PROBLEMS.mostlyUsername : null)
  );
}

export function hasAllowedLength(password: string): boolean {
  return passwordLengthProblem(password) === undefined;
}

export function confirmationProblem(password: string, confirmation: string): string | null {
  return password === confirmation ? null : 'The two passwords are not the same.';
}

/** What a form asks of its CredentialFields (bound with bind:this). */
export interface CredentialForm {
  /** The page's own checks, marked at the fields; true when there is no problem. */
  check(focus?: boolean): boolean;
  /** Shows the API's refusal of the name or password at its field; false for any other error. */
  showRefusal(error: unknown): boolean;
  focus(field: 'username' | 'password'): void;
  reset(): void;
}
