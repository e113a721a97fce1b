import type { SignedIn, User } from '$lib/api/types';

/** Where this browser stands with the router; `loading` until the first answers arrive. */
export type SessionPhase = 'loading' | 'setup-required' | 'signed-out' | 'signed-in';

/**
 * The signed-in user and the session's CSRF token. The token lives only in this object's memory
 * (never in storage), so a reload asks the API for it again through `GET /api/auth/session`.
 */
export class Session {
  phase = $state<SessionPhase>('loading');
  user = $state<User | null>(null);
  /** The admins require two-factor sign-in and this account has not set it up yet. */
  mustEnrolTotp = $state(false);
  /** The password was reset from the recovery console: nothing else is reachable until a new one is chosen. */
  passwordMustChange = $state(false);
  /** One message for the sign-in page: why the person is there (signed out, session ended…). */
  notice = $state<string | null>(null);
  readonly isAdmin = $derived(this.user?.role === 'admin');
  #csrfToken: string | null = null;

  csrfToken(): string | null {
    return this.#csrfToken;
  }

  setupRequired(): void {
    this.#forget();
    this.phase = 'setup-required';
  }

  /** After setup, sign-in, a password change (new session id), or reading the session at start. */
  signedIn(session: SignedIn): void {
    this.user = session.user;
    this.#csrfToken = session.csrfToken;
    this.mustEnrolTotp = session.mustEnrolTotp;
    this.passwordMustChange = session.passwordMustChange;
    this.notice = null;
    this.phase = 'signed-in';
  }

  signedOut(notice: string | null = null): void {
    this.#forget();
    this.notice = notice;
    this.phase = 'signed-out';
  }

  /** The API refused a request with 401: idle timeout, lifetime reached, or revoked elsewhere. */
  ended(): void {
    if (this.phase === 'signed-in') {
      this.signedOut('Your session has ended. Sign in again to continue.');
    }
  }

  totpEnrolmentRequired(): void {
    if (this.phase === 'signed-in') {
      this.mustEnrolTotp = true;
    }
  }

  passwordChangeRequired(): void {
    if (this.phase === 'signed-in') {
      this.passwordMustChange = true;
    }
  }

  #forget(): void {
    this.user = null;
    this.#csrfToken = null;
    this.mustEnrolTotp = false;
    this.passwordMustChange = false;
  }
}
