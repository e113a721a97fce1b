// The rules a user name's text must follow. Pure, with no imports: the web page bundles this very file (through
// the UI's `@burrow/api/` alias) to check a name as it is typed. Whether a name looks like another one needs
// Unicode's confusables table and the list of users: that stays in username-policy.ts, on the API only.

export const USERNAME_MAX_LENGTH = 32;

// Control, format (zero-width, bidi overrides), surrogate, private-use and unassigned characters, plus line
// and paragraph separators: none of them belongs in a name, and several can make one name look like another.
// Exported for every other name people give things (VPN profiles).
export const INVISIBLE_OR_CONTROL = /[\p{C}\p{Zl}\p{Zp}]/u;

/** What is wrong with the NFC form of a typed name, or undefined when its text is acceptable. */
export function usernameProblem(username: string): string | undefined {
  const length = [...username].length;
  if (length < 1 || length > USERNAME_MAX_LENGTH) {
    return `The user name must be 1 to ${USERNAME_MAX_LENGTH} characters long`;
  }
  if (INVISIBLE_OR_CONTROL.test(username)) {
    return 'The user name must not contain control or invisible characters';
  }
  if (username.trim() !== username) {
    return 'The user name must not start or end with a space';
  }
  return undefined;
}
