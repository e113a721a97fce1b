// What a new password must be: long enough, more than the user name, and not one that attackers try first.
import { dictionary } from '@zxcvbn-ts/language-common';
import {
  isMostlyUsername,
  PASSWORD_MIN_LENGTH,
  PASSWORD_PROBLEMS,
  passwordLengthProblem,
  type PasswordProblem,
} from './password-rules.js';

export { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from './password-rules.js';

// zxcvbn's list of the most used passwords, bundled in the package (no network at run time). Only entries
// that pass the length rule matter; compared case-insensitively, since "Password123" is tried as often.
// The web page does not ship this list (about 10 kB gzipped even filtered): it shows the API's verdict.
const COMMON_PASSWORDS = new Set(
  dictionary['passwords-common']
    .filter((password) => [...password].length >= PASSWORD_MIN_LENGTH)
    .map((password) => password.toLowerCase()),
);

/** Why `password` is not acceptable for the user `username`, or undefined when it is. */
export function passwordProblem(password: string, username: string): PasswordProblem | undefined {
  const length = passwordLengthProblem(password);
  if (length !== undefined) {
    return length;
  }
  if (COMMON_PASSWORDS.has(password.toLowerCase())) {
    return PASSWORD_PROBLEMS.common;
  }
  if (isMostlyUsername(password, username)) {
    return PASSWORD_PROBLEMS.mostlyUsername;
  }
  return undefined;
}
