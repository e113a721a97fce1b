import type { ErrorCode, InputProblem } from './types';

/** Why a request failed, in words fit for the page; `requestId` lets a log line be found. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
    readonly requestId: string | null,
    /** The API's machine-readable reason (`totp_required`, `last_admin`, …), when it gave one. */
    readonly code: ErrorCode | null = null,
    /** The API's own message, meant for people (e.g. "Invalid username or password"). */
    readonly detail: string | null = null,
    /** Each problem of an input that has several (the lines of an imported file); empty otherwise. */
    readonly problems: readonly InputProblem[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The API's error body is `{ statusCode, error, message: string | string[], requestId, code? }`. */
function messageFromBody(body: unknown): string | null {
  if (typeof body !== 'object' || body === null || !('message' in body)) {
    return null;
  }
  const { message } = body;
  if (typeof message === 'string') {
    return message;
  }
  if (Array.isArray(message) && message.every((part) => typeof part === 'string')) {
    return message.join('; ');
  }
  return null;
}

/** A code this page does not know compares equal to none it checks for, so taking it as is is safe. */
function codeFromBody(body: unknown): ErrorCode | null {
  if (typeof body === 'object' && body !== null && 'code' in body && typeof body.code === 'string') {
    return body.code as ErrorCode;
  }
  return null;
}

/** The body's `problems`, keeping only entries of the documented shape. */
function problemsFromBody(body: unknown): InputProblem[] {
  if (typeof body !== 'object' || body === null || !('problems' in body) || !Array.isArray(body.problems)) {
    return [];
  }
  return (body.problems as unknown[]).filter(
    (item): item is InputProblem =>
      typeof item === 'object' &&
      item !== null &&
      'message' in item &&
      typeof item.message === 'string' &&
      'line' in item &&
      (item.line === null || typeof item.line === 'number') &&
      'field' in item &&
      (item.field === null || typeof item.field === 'string'),
  );
}

/** An error for a response that came back but was not a success. */
export function apiErrorFromResponse(response: Response, body: unknown): ApiError {
  const detail = messageFromBody(body);
  const summary = detail ?? response.statusText;
  const requestId = response.headers.get('X-Request-Id');
  return new ApiError(
    `The router answered ${response.status}${summary ? `: ${summary}` : ''}.`,
    response.status,
    requestId,
    codeFromBody(body),
    detail,
    problemsFromBody(body),
  );
}

/**
 * An error for a request that threw instead of answering: fetch rejects with a TypeError when the
 * network or server is gone, and with a TimeoutError when our own deadline passed. Anything else
 * (say, a body that is not JSON) is reported as it is, so the banner never blames the network wrongly.
 */
export function apiErrorFromFailure(cause: unknown): ApiError {
  if (cause instanceof ApiError) {
    return cause;
  }
  if (cause instanceof DOMException && cause.name === 'TimeoutError') {
    return new ApiError('The router did not answer in time.', null, null);
  }
  if (cause instanceof TypeError) {
    return new ApiError(
      'The router cannot be reached. Check that it is powered on and that this device is connected to it.',
      null,
      null,
    );
  }
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new ApiError(`The router's answer could not be read: ${detail}`, null, null);
}

/** Plainer words for refusals whose API message is written for developers. */
const MESSAGES_BY_CODE: Readonly<Partial<Record<ErrorCode, string>>> = {
  last_admin: 'At least one enabled admin must remain. Make another user an admin first.',
  forbidden: 'Your account can view the router but not change it. Ask an admin.',
  totp_required_by_policy: 'The admins require two-factor sign-in for every account, so it cannot be turned off.',
};

/**
 * What a form shows when its request failed: the API's own words for a refused request (a 4xx says
 * what the person can fix), the full description for anything else (network, server fault).
 */
export function messageForForm(error: unknown): string {
  if (error instanceof ApiError) {
    const known = error.code === null ? undefined : MESSAGES_BY_CODE[error.code];
    if (known) {
      return known;
    }
    if (error.detail && error.status !== null && error.status >= 400 && error.status < 500) {
      return error.detail;
    }
    return error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

/** The field a refused request names (`problems[0].field`, e.g. "dhcp.rangeStart"); null when it names none. */
export function refusedField(error: ApiError): string | null {
  return error.status === 400 ? (error.problems[0]?.field ?? null) : null;
}
