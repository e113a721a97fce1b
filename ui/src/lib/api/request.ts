import { apiErrorFromFailure, apiErrorFromResponse } from './errors';

/** What openapi-fetch resolves to, whatever the route. */
interface FetchResult<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** Deadline for ordinary requests; sign-in hashes a password, which takes a moment on small boards. */
export const REQUEST_TIMEOUT_MS = 20_000;

/** Options for one request: a deadline, so no button stays busy forever. */
export function withDeadline(ms: number = REQUEST_TIMEOUT_MS): { signal: AbortSignal } {
  return { signal: AbortSignal.timeout(ms) };
}

/** Awaits a request and returns its success body; any failure becomes an `ApiError`. */
export async function expectData<T>(request: Promise<FetchResult<T>>): Promise<T> {
  const { data, error, response } = await settle(request);
  if (!response.ok || data === undefined) {
    throw apiErrorFromResponse(response, error);
  }
  return data;
}

/** Awaits a request whose success has no body (204); any failure becomes an `ApiError`. */
export async function expectOk(request: Promise<FetchResult<unknown>>): Promise<void> {
  const { error, response } = await settle(request);
  if (!response.ok) {
    throw apiErrorFromResponse(response, error);
  }
}

async function settle<T>(request: Promise<FetchResult<T>>): Promise<FetchResult<T>> {
  try {
    return await request;
  } catch (cause) {
    throw apiErrorFromFailure(cause);
  }
}
