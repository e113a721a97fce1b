// The one-time password the recovery console shows: read off a screen and typed on another device, so lowercase
// letters and digits without look-alikes (no 0/o, 1/l/i), in groups of five. 31 symbols: about 4.95 bits each,
// 20 of them about 99 bits, past the reach of guessing even before the sign-in lock.

export const ONE_TIME_PASSWORD_ALPHABET = '23456789abcdefghjkmnpqrstuvwxyz';
export const ONE_TIME_PASSWORD_GROUPS = 4;
export const ONE_TIME_PASSWORD_GROUP_LENGTH = 5;

/** `xxxxx-xxxxx-xxxxx-xxxxx`, each group drawn by `randomString` (uniform over the alphabet). */
export function oneTimePassword(randomString: (alphabet: string, length: number) => string): string {
  return Array.from({ length: ONE_TIME_PASSWORD_GROUPS }, () =>
    randomString(ONE_TIME_PASSWORD_ALPHABET, ONE_TIME_PASSWORD_GROUP_LENGTH),
  ).join('-');
}

/** Bits of entropy of one password: what a test holds the format to. */
export function oneTimePasswordBits(): number {
  return ONE_TIME_PASSWORD_GROUPS * ONE_TIME_PASSWORD_GROUP_LENGTH * Math.log2(ONE_TIME_PASSWORD_ALPHABET.length);
}
