/** Why a request failed, in words fit for the page; `requestId` lets a log line be found. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
    readonly requestId: string | null,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The API's error body is `{ statusCode, error, message: string | string[], requestId }`. */
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

/** An error for a response that came back but was not a success. */
export function apiErrorFromResponse(response: Response, body: unknown): ApiError {
  const detail = messageFromBody(body) ?? response.statusText;
  const requestId = response.headers.get('X-Request-Id');
  return new ApiError(
    `The router answered ${response.status}${detail ? `: ${detail}` : ''}.`,
    response.status,
    requestId,
  );
}

/**
 * An error for a request that threw instead of answering: fetch rejects with a TypeError when the
 * network or server is gone, and with a TimeoutError when our own deadline passed. Anything else
 * (say, a body that is not JSON) is reported as it is, so the banner never blames the network wrongly.
 */
export function apiErrorFromFailure(cause: unknown): ApiError {
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
