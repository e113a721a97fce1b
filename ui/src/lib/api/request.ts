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
  return (await expectAnswer(request)).data;
}

/** Like `expectData`, with the response itself for what its headers say. */
export async function expectAnswer<T>(request: Promise<FetchResult<T>>): Promise<{ data: T; response: Response }> {
  const { data, error, response } = await settle(request);
  if (!response.ok || data === undefined) {
    throw apiErrorFromResponse(response, error);
  }
  return { data, response };
}

/** A file the API hands out as an attachment. */
export interface DownloadedFile {
  /** From Content-Disposition; `fallback` when the answer named none. */
  filename: string;
  text: string;
}

/** Awaits a request made with `parseAs: 'text'` whose answer is a file to save. */
export async function expectFile(request: Promise<FetchResult<string>>, fallback: string): Promise<DownloadedFile> {
  const { data, response } = await expectAnswer(request);
  return { filename: filenameFromDisposition(response.headers.get('Content-Disposition')) ?? fallback, text: data };
}

/**
 * The file name of `attachment; filename="a.conf"` or of RFC 6266's `filename*=UTF-8''…`, which wins when both
 * are there. Only the last path segment is kept, so a name can never point into a folder.
 */
export function filenameFromDisposition(header: string | null): string | null {
  if (header === null) {
    return null;
  }
  let name: string | null = null;
  const extended = /filename\*\s*=\s*UTF-8''([^;]+)/i.exec(header);
  if (extended?.[1]) {
    try {
      name = decodeURIComponent(extended[1].trim());
    } catch {
      name = null;
    }
  }
  if (name === null) {
    const plain = /filename\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]+))/i.exec(header);
    name = plain?.[1]?.replace(/\\(.)/g, '$1') ?? plain?.[2]?.trim() ?? null;
  }
  const base = name?.split(/[\\/]/).pop()?.trim();
  return base ? base : null;
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
