// The one place that turns a domain error's kind into an HTTP status.
import { HttpStatus } from '@nestjs/common';
import { type ErrorKind } from '../services/domain-error.js';

export const HTTP_STATUS_OF_KIND: Readonly<Record<ErrorKind, HttpStatus>> = {
  invalid: HttpStatus.BAD_REQUEST,
  unauthenticated: HttpStatus.UNAUTHORIZED,
  forbidden: HttpStatus.FORBIDDEN,
  not_found: HttpStatus.NOT_FOUND,
  conflict: HttpStatus.CONFLICT,
  gone: HttpStatus.GONE,
  too_large: HttpStatus.PAYLOAD_TOO_LARGE,
  unsupported: HttpStatus.UNSUPPORTED_MEDIA_TYPE,
  unavailable: HttpStatus.SERVICE_UNAVAILABLE,
  too_many: HttpStatus.TOO_MANY_REQUESTS,
};
