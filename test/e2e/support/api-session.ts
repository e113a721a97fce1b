// A signed-in API client for tests, outside the browser: the session cookie and CSRF token the API gave it.
export interface Credentials {
  username: string;
  password: string;
}

export interface SessionUser {
  id: number;
  username: string;
  role: 'admin' | 'viewer';
  disabled: boolean;
  totpEnabled: boolean;
}

interface SignedInBody {
  user: SessionUser;
  csrfToken: string;
}

const SESSION_COOKIE = '__Host-burrow_session';

export class ApiSession {
  private constructor(
    readonly baseUrl: string,
    private readonly cookie: string,
    readonly csrfToken: string,
    readonly user: SessionUser,
  ) {}

  /** Creates the first admin on a fresh server (`POST /api/setup`), which signs them in. */
  static async setup(baseUrl: string, credentials: Credentials): Promise<ApiSession> {
    return ApiSession.open(baseUrl, '/api/setup', credentials, 201);
  }

  static async signIn(baseUrl: string, credentials: Credentials, totp?: string): Promise<ApiSession> {
    return ApiSession.open(baseUrl, '/api/auth/login', { ...credentials, ...(totp ? { totp } : {}) }, 200);
  }

  private static async open(baseUrl: string, path: string, body: object, expected: number): Promise<ApiSession> {
    const response = await fetch(`${baseUrl}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    if (response.status !== expected) {
      throw new Error(`POST ${path} answered ${response.status}: ${text}`);
    }
    const cookie = response.headers
      .getSetCookie()
      .map((line) => line.split(';', 1)[0] ?? '')
      .find((pair) => pair.startsWith(`${SESSION_COOKIE}=`));
    if (!cookie) {
      throw new Error(`POST ${path} set no ${SESSION_COOKIE} cookie`);
    }
    const signedIn = JSON.parse(text) as SignedInBody;
    return new ApiSession(baseUrl, cookie, signedIn.csrfToken, signedIn.user);
  }

  /** Sends the session cookie, and the CSRF token on state-changing methods, as the page does. */
  async request(method: string, path: string, body?: unknown): Promise<Response> {
    const headers: Record<string, string> = { Cookie: this.cookie };
    if (method !== 'GET' && method !== 'HEAD') {
      headers['X-CSRF-Token'] = this.csrfToken;
    }
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
    }
    return fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  }

  /** Like `request`, but a non-2xx answer throws with its body, and the JSON body is returned. */
  async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.request(method, path, body);
    const text = await response.text();
    if (!response.ok) {
      throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
    }
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }
}
