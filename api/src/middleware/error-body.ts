// The one shape every error response takes; see ErrorResponseDto.
import { HttpException, HttpStatus } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
import { type ErrorResponseDto } from '../dtos/error.dto.js';
import { DomainError, type ErrorCode, isErrorCode } from '../services/domain-error.js';
import { JSON_BODY_LIMIT_KIB } from './body-limit.js';
import { HTTP_STATUS_OF_KIND } from './error-status.js';

// Errors raised by the framework (the body parser) carry no code or useful message; these give them one.
const FRAMEWORK_ERRORS: Partial<Record<number, { code: ErrorCode; message: string }>> = {
  [HttpStatus.PAYLOAD_TOO_LARGE]: {
    code: 'payload_too_large',
    message: `The request is too large: ${JSON_BODY_LIMIT_KIB} KiB at most. Nothing was changed.`,
  },
};

/**
 * Builds the error body for anything thrown while handling a request. Only domain errors and HttpExceptions
 * (the framework's) speak to the client; anything else is a bug whose details stay in the log, not in the response.
 */
export function errorBody(exception: unknown, requestId: string): ErrorResponseDto {
  if (exception instanceof DomainError) {
    const statusCode = HTTP_STATUS_OF_KIND[exception.kind];
    const { message, code, problems } = exception;
    return {
      statusCode,
      error: reasonPhrase(statusCode),
      message,
      code,
      ...(problems.length > 0 ? { problems: [...problems] } : {}),
      requestId,
    };
  }
  if (!(exception instanceof HttpException)) {
    const statusCode = HttpStatus.INTERNAL_SERVER_ERROR;
    return { statusCode, error: reasonPhrase(statusCode), message: 'Internal server error', requestId };
  }
  const statusCode = exception.getStatus();
  const response = exception.getResponse();
  const details = typeof response === 'object' && response !== null ? (response as Record<string, unknown>) : {};
  const framework = isErrorCode(details.code) ? undefined : FRAMEWORK_ERRORS[statusCode];
  if (framework !== undefined) {
    return { statusCode, error: reasonPhrase(statusCode), ...framework, requestId };
  }
  return {
    statusCode,
    error: typeof details.error === 'string' ? details.error : reasonPhrase(statusCode),
    message: isMessage(details.message) ? details.message : exception.message,
    ...(isErrorCode(details.code) ? { code: details.code } : {}),
    requestId,
  };
}

function isMessage(value: unknown): value is string | string[] {
  return typeof value === 'string' || (Array.isArray(value) && value.every((item) => typeof item === 'string'));
}

function reasonPhrase(statusCode: number): string {
  return STATUS_CODES[statusCode] ?? 'Error';
}
