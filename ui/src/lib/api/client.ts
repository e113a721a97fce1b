import createClient, { type Client, type Middleware } from 'openapi-fetch';
import type { paths } from './schema';

export type ApiClient = Client<paths>;

/** What the client asks the signed-in session for, and tells it about. */
export interface SessionHooks {
  /** The session's CSRF token, kept in memory only; null before sign-in. */
  csrfToken(): string | null;
  /** A request that needed a session was refused with 401: the session ended (idle, revoked, expired). */
  sessionEnded(): void;
  /** The admins require two-factor sign-in and this account has not enrolled yet. */
  totpEnrolmentRequired(): void;
  /** The password was reset from the recovery console and must be changed before anything else. */
  passwordChangeRequired(): void;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Routes whose 401 can be an answer to the person's input rather than a lost session: signing in,
 * setting up, asking whether a session exists, and the forms that re-check the current password.
 * There, only the API's `unauthenticated` code means the session is gone.
 */
const OWN_401_PATHS = new Set([
  '/api/setup',
  '/api/auth/login',
  '/api/auth/session',
  '/api/account/password',
  '/api/account/totp',
]);

/**
 * The typed client every service uses. The API serves this page, so requests go back to the
 * page's own origin; nothing here ever talks to another host.
 */
export function createApiClient(hooks: SessionHooks, origin: string = window.location.origin): ApiClient {
  const client = createClient<paths>({ baseUrl: origin });
  client.use(sessionMiddleware(hooks));
  return client;
}

function sessionMiddleware(hooks: SessionHooks): Middleware {
  return {
    onRequest({ request }) {
      const token = hooks.csrfToken();
      if (token !== null && !SAFE_METHODS.has(request.method)) {
        request.headers.set('X-CSRF-Token', token);
      }
      return request;
    },
    async onResponse({ response, schemaPath }) {
      if (response.status === 401) {
        if (!OWN_401_PATHS.has(schemaPath) || (await errorCode(response)) === 'unauthenticated') {
          hooks.sessionEnded();
        }
      } else if (response.status === 403) {
        const code = await errorCode(response);
        if (code === 'totp_enrolment_required') {
          hooks.totpEnrolmentRequired();
        } else if (code === 'password_change_required') {
          hooks.passwordChangeRequired();
        }
      }
      return response;
    },
  };
}

/** Reads `code` from an error body without consuming the body the caller will read. */
async function errorCode(response: Response): Promise<string | null> {
  try {
    const body: unknown = await response.clone().json();
    return typeof body === 'object' && body !== null && 'code' in body && typeof body.code === 'string'
      ? body.code
      : null;
  } catch {
    return null;
  }
}
