import type { SessionPhase } from '$lib/state/session.svelte';
import { ACCOUNT_PATH, NEW_PASSWORD_PATH, type PageRoute, SETUP_PATH, SIGN_IN_PATH, STATUS_PATH } from './routes';

export interface AccessInput {
  phase: SessionPhase;
  isAdmin: boolean;
  mustEnrolTotp: boolean;
  /** The password was reset from the recovery console: only the page that changes it. */
  passwordMustChange: boolean;
  route: PageRoute;
  /** The current path and query string, to come back to after signing in. */
  location: string;
  /** The sign-in page's `next` parameter, if any. */
  next: string | null;
}

export type AccessDecision =
  { kind: 'show-page' } | { kind: 'loading' } | { kind: 'admins-only' } | { kind: 'redirect'; to: string };

/**
 * Which page this browser may see now. The API enforces every rule again; this only keeps people
 * from landing on pages that would refuse them.
 */
export function decideAccess(input: AccessInput): AccessDecision {
  const { phase, route } = input;
  if (phase === 'loading') {
    return { kind: 'loading' };
  }
  // First boot: nothing but the wizard until an admin exists.
  if (phase === 'setup-required') {
    return route.path === SETUP_PATH ? { kind: 'show-page' } : redirect(SETUP_PATH);
  }
  if (route.path === SETUP_PATH) {
    return redirect(phase === 'signed-in' ? STATUS_PATH : SIGN_IN_PATH);
  }
  if (phase === 'signed-out') {
    if (route.access === 'public') {
      return { kind: 'show-page' };
    }
    const comeBack = safeNextPath(input.location);
    return redirect(
      comeBack && comeBack !== '/' ? `${SIGN_IN_PATH}?next=${encodeURIComponent(comeBack)}` : SIGN_IN_PATH,
    );
  }
  if (input.passwordMustChange) {
    return route.path === NEW_PASSWORD_PATH ? { kind: 'show-page' } : redirect(NEW_PASSWORD_PATH);
  }
  if (route.path === NEW_PASSWORD_PATH) {
    return redirect(STATUS_PATH);
  }
  if (route.path === SIGN_IN_PATH) {
    return redirect(safeNextPath(input.next) ?? STATUS_PATH);
  }
  if (input.mustEnrolTotp && route.path !== ACCOUNT_PATH) {
    return redirect(ACCOUNT_PATH);
  }
  if (route.access === 'admin' && !input.isAdmin) {
    return { kind: 'admins-only' };
  }
  return { kind: 'show-page' };
}

function redirect(to: string): AccessDecision {
  return { kind: 'redirect', to };
}

/**
 * A `next` target is followed only when it is a path on this site: `//host` and `/\host` would
 * leave it, and going "back" to sign-in or setup would loop.
 */
function safeNextPath(next: string | null): string | null {
  if (next === null || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) {
    return null;
  }
  const path = next.split(/[?#]/, 1)[0] ?? '';
  if (path === SIGN_IN_PATH || path === SETUP_PATH) {
    return null;
  }
  return next;
}
