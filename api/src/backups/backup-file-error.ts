// Every way a backup file can be refused, as one error with a code: the service turns each code into a clear
// message for the page without parsing text, and a test asserts the code rather than the wording.

export type BackupFileErrorCode =
  'not_a_backup' | 'newer_format' | 'wrong_secret_or_damaged' | 'truncated' | 'no_slot_for_secret' | 'too_large';

export class BackupFileError extends Error {
  override readonly name = 'BackupFileError';

  constructor(
    readonly code: BackupFileErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** The one message for a failed tag: a wrong secret and a flipped byte cannot be told apart, by design. */
export function wrongSecretOrDamaged(): BackupFileError {
  return new BackupFileError('wrong_secret_or_damaged', 'Wrong passphrase or damaged file.');
}

export function truncated(): BackupFileError {
  return new BackupFileError('truncated', 'The backup file is incomplete: it ends before its last part.');
}

export function notABackup(): BackupFileError {
  return new BackupFileError('not_a_backup', 'This is not a Burrow backup file.');
}

export function tooLarge(what: string): BackupFileError {
  return new BackupFileError('too_large', `The backup file claims ${what}, more than a backup may hold.`);
}
