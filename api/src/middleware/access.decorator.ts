// Every route says who may call it. The guard refuses to run a route that does not say (wg-easy's good idea:
// a forgotten check fails closed instead of open).
import { applyDecorators, createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiExtension } from '@nestjs/swagger';
import { type Request } from 'express';
import { type AuthContext } from '../services/session.service.js';

/**
 * - `public`: no session needed (health, setup, sign-in).
 * - `read`: any signed-in user; only for GET routes (the guard fails a write route declared `read`).
 * - `self`: any signed-in user, acting on their own account or sessions only.
 * - `admin`: admins only; viewers get 403.
 * - `metrics`: a Prometheus scrape (GET only): a metrics bearer token, or an admin's session; anything else gets 401
 *   with `WWW-Authenticate: Bearer`, a viewer's session included (a scraper has no use for a 403).
 */
export type Permission = 'public' | 'read' | 'self' | 'admin' | 'metrics';

export interface AccessOptions {
  permission: Permission;
  /** Still answers while the user must set up 2FA (auth/* and account/totp/*). */
  duringTotpEnrolment?: boolean;
  /**
   * Still answers while the user's password must change (reset from the recovery console): only the password change
   * itself and signing out. The password comes first; a required two-factor enrolment is asked for after it.
   */
  duringPasswordChange?: boolean;
  /**
   * Also takes a multipart/form-data body (a file upload), which the route streams itself. Same-origin and the CSRF
   * header are still required, so a cross-site form post is refused as any other.
   */
  upload?: boolean;
}

export const ACCESS_METADATA = 'burrow:access';
export const PERMISSION_EXTENSION = 'x-burrow-permission';
export const SESSION_SECURITY_SCHEME = 'session';
export const METRICS_TOKEN_SECURITY_SCHEME = 'metricsToken';

export function Access(options: AccessOptions): MethodDecorator & ClassDecorator {
  return applyDecorators(
    SetMetadata(ACCESS_METADATA, options),
    ApiExtension(PERMISSION_EXTENSION, options.permission),
    ...(options.permission === 'public' ? [] : [ApiCookieAuth(SESSION_SECURITY_SCHEME)]),
    ...(options.permission === 'metrics' ? [ApiBearerAuth(METRICS_TOKEN_SECURITY_SCHEME)] : []),
  );
}

export interface AuthenticatedRequest extends Request {
  auth?: AuthContext;
}

/** The signed-in user and session of a route that is not `public`. */
export const Auth = createParamDecorator((_data: unknown, context: ExecutionContext): AuthContext => {
  const { auth } = context.switchToHttp().getRequest<AuthenticatedRequest>();
  if (auth === undefined) {
    throw new Error('@Auth() used on a route that does not require a session');
  }
  return auth;
});

/** The session of the request when there is one (for `public` routes that behave differently when signed in). */
export const OptionalAuth = createParamDecorator((_data: unknown, context: ExecutionContext) => {
  return context.switchToHttp().getRequest<AuthenticatedRequest>().auth;
});
