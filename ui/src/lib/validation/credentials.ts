/**
 * The API's rules for names and passwords (api/src/services/*-policy.ts), checked here too so a form
 * can point at the field before sending. The API checks them again, along with its list of common
 * passwords, which is too big to ship in the page. Lengths count characters, not UTF-16 units.
 */
export const MIN_PASSWORD_LENGTH = 10;
export const MAX_PASSWORD_LENGTH = 256;
const MAX_USERNAME_LENGTH = 32;

// Control, format (zero-width, bidi overrides), private-use and unassigned characters, and line and
// paragraph separators: none belongs in a name, and several can make one name look like another.
const INVISIBLE_OR_CONTROL = /[\p{C}\p{Zl}\p{Zp}]/u;

function characters(text: string): number {
  return [...text].length;
}

export function usernameProblem(username: string): string | null {
  const name = username.normalize('NFC');
  if (name === '') {
    return 'Enter a user name.';
  }
  if (characters(name) > MAX_USERNAME_LENGTH) {
    return `A user name has at most ${MAX_USERNAME_LENGTH} characters.`;
  }
  if (INVISIBLE_OR_CONTROL.test(name)) {
    return 'A user name cannot contain control or invisible characters.';
  }
  if (name.trim() !== name) {
    return 'A user name cannot start or end with a space.';
  }
  return null;
}

export function newPasswordProblem(password: string): string | null {
  if (characters(password) < MIN_PASSWORD_LENGTH) {
    return `Use at least ${MIN_PASSWORD_LENGTH} characters.`;
  }
  if (characters(password) > MAX_PASSWORD_LENGTH) {
    return `Use at most ${MAX_PASSWORD_LENGTH} characters.`;
  }
  return null;
}

export function hasAllowedLength(password: string): boolean {
  const length = characters(password);
  return length >= MIN_PASSWORD_LENGTH && length <= MAX_PASSWORD_LENGTH;
}

export function confirmationProblem(password: string, confirmation: string): string | null {
  return password === confirmation ? null : 'The two passwords are not the same.';
}
