// The one check every routed request passes, in this order:
//   1. the route declares who may call it (else the request fails: a forgotten declaration fails closed)
//   2. state-changing requests: same origin (our origin as configured, never as the Host header says), JSON body
//      (or multipart, on an upload route)
//   3. the session from the cookie, if any
//   4. unless public: a session, then for state-changing requests its CSRF token, then the role,
//      then a password that must change (reset from the recovery console), then 2FA enrolment when admins require it
//   (`metrics`, the Prometheus scrape: a bearer token when one is sent, else an admin session; else 401)
import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { type Response } from 'express';
import { Reflector } from '@nestjs/core';
import { AppEnv } from '../env.js';
import { CertificateService } from '../services/certificate.service.js';
import { DomainError } from '../services/domain-error.js';
import { MetricsTokenService } from '../services/metrics-token.service.js';
import { type AuthContext, SessionService } from '../services/session.service.js';
import { ACCESS_METADATA, type AccessOptions, type AuthenticatedRequest } from './access.decorator.js';
import { readBearerToken } from './bearer-token.js';
import { assertJsonBody, assertSameOrigin, isStateChanging, type OwnSite } from './request-checks.js';
import { readSessionToken } from './session-cookie.js';

export const CSRF_HEADER = 'x-csrf-token';

/** A route's declaration is missing or contradicts its method: a programming error, answered with a 500. */
export class AccessDeclarationError extends Error {
  override name = 'AccessDeclarationError';
}

@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly sessions: SessionService,
    private readonly certificates: CertificateService,
    private readonly metricsTokens: MetricsTokenService,
    private readonly env: AppEnv,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const access = this.reflector.getAllAndOverride<AccessOptions | undefined>(ACCESS_METADATA, [
      context.getHandler(),
      context.getClass(),
    ]);
    const route = `${context.getClass().name}.${context.getHandler().name}`;
    if (access === undefined) {
      throw new AccessDeclarationError(`${route} declares no permission`);
    }
    const stateChanging = isStateChanging(request.method);
    if (stateChanging && (access.permission === 'read' || access.permission === 'metrics')) {
      throw new AccessDeclarationError(`${route} changes state but is declared read-only`);
    }
    if (stateChanging) {
      await assertSameOrigin(request, () => this.ownSite());
      assertJsonBody(request, access.upload === true);
    }

    if (access.permission === 'metrics') {
      return this.allowScrape(request, context.switchToHttp().getResponse<Response>());
    }
    request.auth = await this.sessions.authenticate(readSessionToken(request), new Date());
    if (access.permission === 'public') {
      return true;
    }
    const { auth } = request;
    if (auth === undefined) {
      throw new DomainError('unauthenticated', 'unauthenticated', 'Sign in first');
    }
    if (stateChanging && !this.sessions.csrfTokenMatches(auth, request.headers[CSRF_HEADER])) {
      throw new DomainError('forbidden', 'csrf_invalid', 'Missing or wrong X-CSRF-Token header');
    }
    if (access.permission === 'admin' && auth.user.role !== 'admin') {
      throw new DomainError('forbidden', 'forbidden', 'Only an admin can do this');
    }
    if (auth.user.passwordMustChange) {
      if (access.duringPasswordChange !== true) {
        throw new DomainError(
          'forbidden',
          'password_change_required',
          'Your password was reset from the recovery console: choose a new one first',
        );
      }
      return true;
    }
    if (auth.mustEnrolTotp && access.duringTotpEnrolment !== true) {
      throw new DomainError(
        'forbidden',
        'totp_enrolment_required',
        'Set up two-factor sign-in first: an admin requires it',
      );
    }
    return true;
  }

  /**
   * A scrape: a bearer token decides alone when one is sent (a wrong one is not rescued by a cookie); without one,
   * a session of an admin who may use the page. Every refusal is the same 401, so a scraper's log says what to fix.
   */
  private async allowScrape(request: AuthenticatedRequest, response: Response): Promise<true> {
    const bearer = readBearerToken(request);
    if (bearer !== undefined) {
      if (await this.metricsTokens.verify(bearer)) {
        return true;
      }
    } else {
      request.auth = await this.sessions.authenticate(readSessionToken(request), new Date());
      if (isAdminAtWork(request.auth)) {
        return true;
      }
    }
    response.setHeader('WWW-Authenticate', 'Bearer realm="burrow"');
    throw new DomainError(
      'unauthenticated',
      'unauthenticated',
      'Send a metrics token as a bearer token, or sign in as an admin',
    );
  }

  /**
   * The router's names and addresses on the HTTPS port; behind a trusted TLS proxy also on 443, the port a proxy
   * in front of the router normally listens on.
   */
  private async ownSite(): Promise<OwnSite> {
    const names = await this.certificates.siteNames();
    const ports = this.env.trustedProxies.length > 0 ? [this.env.httpsPort, 443] : [this.env.httpsPort];
    return { ...names, ports };
  }
}

function isAdminAtWork(auth: AuthContext | undefined): boolean {
  return auth !== undefined && auth.user.role === 'admin' && !auth.mustEnrolTotp && !auth.user.passwordMustChange;
}
