// Errors the services raise, in terms of the product rather than of HTTP: the HTTP layer maps each kind to a
// status code (middleware/error-status.ts) and the recovery console shows the message as it is.

/** Machine-readable reasons a client acts on; the message stays for people. */
export const ERROR_CODES = [
  'unauthenticated',
  'invalid_credentials',
  'totp_required',
  'totp_invalid',
  'setup_done',
  'last_admin',
  'invalid_username',
  'username_taken',
  'weak_password',
  'wrong_password',
  'forbidden',
  'csrf_invalid',
  'cross_site',
  'unsupported_media_type',
  'totp_enrolment_required',
  'totp_required_by_policy',
  'totp_already_enabled',
  'totp_enrolment_not_started',
  'totp_not_enabled',
  'use_account_route',
  'not_found',
  'certificate_refused',
  'payload_too_large',
  'body_too_deep',
  'tunnel_config_invalid',
  'tunnel_name_taken',
  'tunnel_name_invalid',
  'tunnel_limit',
  'tunnel_in_use',
  'firmware_unavailable',
  'too_many_streams',
  'restarting',
  'invalid_exit_check_url',
  'exit_check_off',
  'exit_check_failed',
  'metrics_token_name_invalid',
  'metrics_token_limit',
  'webhook_url_invalid',
  'webhook_not_set',
  'backup_passphrase_too_short',
  'password_required',
  'backup_failed',
  'upload_invalid',
  'backup_unreadable',
  'not_a_backup',
  'backup_newer_format',
  'backup_newer_schema',
  'no_slot_for_secret',
  'restore_token_invalid',
  'restore_token_used',
  'restore_already_staged',
  'restore_failed',
  'password_change_required',
  'not_an_admin',
  'admin_exists',
  'field_invalid',
  'lan_cut_off',
  'remote_device_limit',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/**
 * What kind of refusal it is, independent of the transport: `invalid` input, a caller who is not
 * `unauthenticated` enough or is `forbidden`, something `not_found`, a `conflict` with the current state,
 * something `gone` (it existed, and expired or was used up), input `too_large` or of an `unsupported` type, `too_many` of something that is bounded per caller, or a part of
 * the box that is `unavailable` right now.
 */
export type ErrorKind =
  | 'invalid'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'gone'
  | 'too_large'
  | 'unsupported'
  | 'too_many'
  | 'unavailable';

/** One of several problems in what the user sent, e.g. a line of an imported file. */
export interface InputProblem {
  /** 1-based line of the input, when it has lines. */
  line: number | null;
  /** The field as the user's format names it. */
  field: string | null;
  message: string;
}

export class DomainError extends Error {
  override name = 'DomainError';

  constructor(
    readonly kind: ErrorKind,
    readonly code: ErrorCode,
    message: string,
    /** Each problem on its own, for input with several (never quoting a secret). */
    readonly problems: readonly InputProblem[] = [],
  ) {
    super(message);
  }
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return ERROR_CODES.some((code) => code === value);
}
