// What a user name may be. Names are shown in the UI, the audit log and the console, always as plain text.

export const USERNAME_MAX_LENGTH = 32;

export type UsernameCheck = { username: string; key: string } | { problem: string };

// Control, format (zero-width, bidi overrides), surrogate, private-use and unassigned characters, plus line
// and paragraph separators: none of them belongs in a name, and several can make one name look like another.
const INVISIBLE_OR_CONTROL = /[\p{C}\p{Zl}\p{Zp}]/u;

/** NFC-normalizes `raw` and checks it; `key` is the case-folded form that must be unique. */
export function checkUsername(raw: string): UsernameCheck {
  const username = raw.normalize('NFC');
  const length = [...username].length;
  if (length < 1 || length > USERNAME_MAX_LENGTH) {
    return { problem: `The user name must be 1 to ${USERNAME_MAX_LENGTH} characters long` };
  }
  if (INVISIBLE_OR_CONTROL.test(username)) {
    return { problem: 'The user name must not contain control or invisible characters' };
  }
  if (username.trim() !== username) {
    return { problem: 'The user name must not start or end with a space' };
  }
  return { username, key: usernameKey(username) };
}

/**
 * The case-insensitive identity of a name, for any input (sign-in looks up whatever was typed, valid or not).
 */
export function usernameKey(raw: string): string {
  return raw.normalize('NFC').toLowerCase();
}
