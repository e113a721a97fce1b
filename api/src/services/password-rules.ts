// The rules of a new password that need no word list: its length, and that it is more than the user name.
// Pure functions and constants with no imports: the web page bundles this very file (through the UI's
// `@burrow/api/` alias) to check a password as it is typed, so the page and the API cannot disagree.
// The list of common passwords stays in password-policy.ts, on the API only (see there).

export const PASSWORD_MIN_LENGTH = 10;
/** Long passphrases are welcome; the bound only keeps a request from making argon2 hash megabytes. */
export const PASSWORD_MAX_LENGTH = 256;

/** What the API answers (and the page shows) for each rule a password can break. */
export const PASSWORD_PROBLEMS = {
  tooShort: `The password must be at least ${PASSWORD_MIN_LENGTH} characters long`,
  tooLong: `The password must be at most ${PASSWORD_MAX_LENGTH} characters long`,
  common: 'This password is on a list of common passwords; choose another',
  mostlyUsername: `The password must not be mostly the user name: without it, at least ${PASSWORD_MIN_LENGTH} letters or digits must remain`,
} as const;

export type PasswordProblem = (typeof PASSWORD_PROBLEMS)[keyof typeof PASSWORD_PROBLEMS];

/** Lengths count characters (code points), not UTF-16 units: "ü" and "🦡" are one each. */
export function characterCount(text: string): number {
  return [...text].length;
}

/** The length rule alone, or undefined when the length is fine. */
export function passwordLengthProblem(password: string): PasswordProblem | undefined {
  const length = characterCount(password);
  if (length < PASSWORD_MIN_LENGTH) {
    return PASSWORD_PROBLEMS.tooShort;
  }
  if (length > PASSWORD_MAX_LENGTH) {
    return PASSWORD_PROBLEMS.tooLong;
  }
  return undefined;
}

// Glue between copies of a name ("sam-sam", "sam.sam!", "sam 🦡 sam"): spaces, punctuation, symbols, and
// invisible characters. They add next to nothing for someone who already guesses the name.
const SEPARATORS = /[\p{Z}\p{P}\p{S}\p{C}]/gu;

/**
 * Whether the password is mostly the user name. An attacker who tries a known account starts from its name,
 * so the name is worth nothing in that account's password: take out every copy of it (compared
 * case-insensitively, after Unicode normalisation), then the separators around and between the copies; what
 * is left must still be at least PASSWORD_MIN_LENGTH letters or digits, as if the name were not there at all.
 * So `sam-sam-sam-sam` and `Wintermute!!` are refused for sam and wintermute, `bob-likes-long-walks` passes
 * for bob (14 letters besides the name), and a password without the name is not concerned. For a very
 * short name (one or two characters) this also takes those letters out of the words around it, which errs
 * on the strict side only for passwords of little more than the minimum length; long passphrases pass.
 */
export function isMostlyUsername(password: string, username: string): boolean {
  const name = username.normalize('NFC').toLowerCase();
  const folded = password.normalize('NFC').toLowerCase();
  if (name === '' || !folded.includes(name)) {
    return false;
  }
  const rest = folded.split(name).join('').replace(SEPARATORS, '');
  return characterCount(rest) < PASSWORD_MIN_LENGTH;
}

/** The rules above in the API's order, common passwords aside; undefined when none is broken. */
export function passwordProblemWithoutList(password: string, username: string): PasswordProblem | undefined {
  return (
    passwordLengthProblem(password) ??
    (isMostlyUsername(password, username) ? PASSWORD_PROBLEMS.mostlyUsername : undefined)
  );
}
