import { HttpException, type HttpStatus } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** Machine-readable reasons the UI acts on; the message stays for people. */
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
  'not_found',
  'certificate_refused',
  'payload_too_large',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** The body of every error response. */
export class ErrorResponseDto {
  @ApiProperty({ type: 'integer', example: 404 })
  statusCode: number;

  @ApiProperty({ description: 'The HTTP reason phrase.', example: 'Not Found' })
  error: string;

  @ApiProperty({
    description: 'What went wrong; a list when several request fields are invalid.',
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
  })
  message: string | string[];

  @ApiPropertyOptional({
    enum: ERROR_CODES,
    enumName: 'ErrorCode',
    description: 'Present when a client may act on it.',
  })
  code?: ErrorCode;

  @ApiProperty({ description: 'Also sent as the X-Request-Id header; finds the matching log lines.' })
  requestId: string;
}

/** An error with a code the UI can act on: `{ statusCode, error, message, code, requestId }`. */
export class ApiException extends HttpException {
  constructor(status: HttpStatus, code: ErrorCode, message: string) {
    super({ message, code }, status);
  }
}
