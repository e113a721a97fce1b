// What a new password must be: long enough and not one that attackers try first.
import { dictionary } from '@zxcvbn-ts/language-common';

export const PASSWORD_MIN_LENGTH = 10;
/** Long passphrases are welcome; the bound only keeps a request from making argon2 hash megabytes. */
export const PASSWORD_MAX_LENGTH = 256;

// zxcvbn's list of the most used passwords, bundled in the package (no network at run time). Only entries
// that pass the length rule matter; compared case-insensitively, since "Password123" is tried as often.
const COMMON_PASSWORDS = new Set(
  dictionary['passwords-common']
    .filter((password) => [...password].length >= PASSWORD_MIN_LENGTH)
    .map((password) => password.toLowerCase()),
);

/** Why `password` is not acceptable for the user `username`, or undefined when it is. */
export function passwordProblem(password: string, username: string): string | undefined {
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH) {
    return `The password must be at least ${PASSWORD_MIN_LENGTH} characters long`;
  }
  if (length > PASSWORD_MAX_LENGTH) {
    return `The password must be at most ${PASSWORD_MAX_LENGTH} characters long`;
  }
  const folded = password.toLowerCase();
  if (COMMON_PASSWORDS.has(folded)) {
    return 'This password is on a list of common passwords; choose another';
  }
  if (folded.includes(username.toLowerCase()) && [...username].length * 2 > length) {
    return 'The password must not be mostly the user name';
  }
  return undefined;
}
