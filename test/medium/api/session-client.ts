// Talks to the in-process API the way the web page does: JSON bodies, the session cookie, the CSRF header.
import { startFakeBurrowd, type FakeBurrowd } from '../../helpers/fake-burrowd.js';
import { type InProcessApi, type InProcessApiOptions, startInProcessApi } from './in-process-api.js';

export const ADMIN_PASSWORD = 'admin-pass-7f3k-quartz';
export const VIEWER_PASSWORD = 'viewer-pass-2m9x-basalt';

export interface UserBody {
  id: number;
  username: string;
  role: 'admin' | 'viewer';
  disabled: boolean;
  totpEnabled: boolean;
  createdAt: string;
}

export interface Session {
  /** The `__Host-burrow_session` cookie value. */
  token: string;
  csrfToken: string;
  user: UserBody;
}

export interface Reply<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

export interface CallOptions {
  method?: string;
  body?: unknown;
  session?: Session;
  headers?: Record<string, string>;
}

/** One request. A session adds its cookie and, for anything but GET, its CSRF token. */
export async function call<T = Record<string, unknown>>(
  api: InProcessApi,
  path: string,
  { method = 'GET', body, session, headers = {} }: CallOptions = {},
): Promise<Reply<T>> {
  const sent: Record<string, string> = { ...headers };
  if (body !== undefined) {
    sent['content-type'] ??= 'application/json';
  }
  if (session !== undefined) {
    sent.cookie ??= `__Host-burrow_session=${session.token}`;
    if (method !== 'GET') {
      sent['x-csrf-token'] ??= session.csrfToken;
    }
  }
  const response = await fetch(`${api.url}${path}`, {
    method,
    headers: sent,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: (text === '' ? undefined : JSON.parse(text)) as T,
    headers: response.headers,
  };
}

/** The session cookie a response set, or undefined. */
export function sessionCookieOf(headers: Headers): string | undefined {
  for (const cookie of headers.getSetCookie()) {
    const match = /^__Host-burrow_session=([^;]*)/.exec(cookie);
    if (match?.[1] !== undefined && match[1] !== '') {
      return match[1];
    }
  }
  return undefined;
}

function sessionOf(reply: Reply<{ csrfToken: string; user: UserBody }>): Session {
  const token = sessionCookieOf(reply.headers);
  if (token === undefined) {
    throw new Error(`no session cookie in a ${reply.status} answer: ${JSON.stringify(reply.body)}`);
  }
  return { token, csrfToken: reply.body.csrfToken, user: reply.body.user };
}

/** Creates the first admin through the setup wizard's endpoint. */
export async function setupAdmin(api: InProcessApi, username = 'admin', password = ADMIN_PASSWORD): Promise<Session> {
  const reply = await call<{ csrfToken: string; user: UserBody }>(api, '/api/setup', {
    method: 'POST',
    body: { username, password },
  });
  if (reply.status !== 201) {
    throw new Error(`setup answered ${reply.status}: ${JSON.stringify(reply.body)}`);
  }
  return sessionOf(reply);
}

export function login(
  api: InProcessApi,
  credentials: { username: string; password: string; totp?: string },
  headers: Record<string, string> = {},
): Promise<Reply<Record<string, unknown>>> {
  return call(api, '/api/auth/login', { method: 'POST', body: credentials, headers });
}

export async function signIn(
  api: InProcessApi,
  username: string,
  password: string,
  totp?: string,
  headers: Record<string, string> = {},
): Promise<Session> {
  const reply = await login(api, { username, password, ...(totp === undefined ? {} : { totp }) }, headers);
  if (reply.status !== 200) {
    throw new Error(`sign-in answered ${reply.status}: ${JSON.stringify(reply.body)}`);
  }
  return sessionOf(reply as Reply<{ csrfToken: string; user: UserBody }>);
}

export async function createUser(
  api: InProcessApi,
  admin: Session,
  username: string,
  password: string,
  role: 'admin' | 'viewer',
): Promise<UserBody> {
  const reply = await call<UserBody>(api, '/api/users', {
    method: 'POST',
    body: { username, password, role },
    session: admin,
  });
  if (reply.status !== 201) {
    throw new Error(`creating ${username} answered ${reply.status}: ${JSON.stringify(reply.body)}`);
  }
  return reply.body;
}

/** Runs `run` against a fresh API and closes it afterwards. */
export async function withApi(options: InProcessApiOptions, run: (api: InProcessApi) => Promise<void>): Promise<void> {
  const api = await startInProcessApi(options);
  try {
    await run(api);
  } finally {
    await api.close();
  }
}

/**
 * Runs `run` against a fresh API whose burrowd is a fake answering `status` (set `burrowd.status` to change its
 * report), so a test sees what the API makes of burrowd without a lab; both are closed afterwards.
 */
export async function withFakeBurrowd(
  status: unknown,
  run: (api: InProcessApi, burrowd: FakeBurrowd) => Promise<void>,
): Promise<void> {
  const burrowd = await startFakeBurrowd(status);
  try {
    await withApi({ firmwareSocket: burrowd.socketPath }, (api) => run(api, burrowd));
  } finally {
    await burrowd.close();
  }
}

/**
 * A response's body; a live stream (server-sent events) is read for `streamMs` and then closed, since it never ends
 * by itself: what it sends at connect (the gateway and system events) is what a scan for leaks must see.
 */
export async function readBody(response: Response, streamMs = 1_500): Promise<Buffer> {
  if (!(response.headers.get('content-type') ?? '').startsWith('text/event-stream') || response.body === null) {
    return Buffer.from(await response.arrayBuffer());
  }
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  const deadline = Date.now() + streamMs;
  const stop = setTimeout(() => void reader.cancel(), streamMs);
  try {
    while (Date.now() < deadline) {
      const { done, value } = await reader.read();
      if (done) {
        break;
      }
      chunks.push(value);
    }
  } finally {
    clearTimeout(stop);
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks);
}
