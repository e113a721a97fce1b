import { Injectable } from '@nestjs/common';
import { type AuthSessionDto, mapAuthSession } from '../dtos/auth.dto.js';
import { DomainError } from './domain-error.js';
import { type SecuritySettingsDto } from '../dtos/security-settings.dto.js';
import { mapSession, type SessionDto } from '../dtos/session.dto.js';
import { type SessionEntity } from '../entities/session.entity.js';
import { type UserEntity } from '../entities/user.entity.js';
import { type ClientInfo } from './client-info.js';
import { CryptoRepository } from '../repositories/crypto.repository.js';
import { SessionRepository } from '../repositories/session.repository.js';
import { AuditService } from './audit.service.js';
import { SecuritySettingsService } from './security-settings.service.js';

/** The signed-in user of a request, as the guard found it. */
export interface AuthContext {
  user: UserEntity;
  session: SessionEntity;
  /** The token the request's X-CSRF-Token must equal. */
  csrfToken: string;
  /** Admins require 2FA and this user has none yet. */
  mustEnrolTotp: boolean;
}

/** A new session: the cookie value to set, and what the page is told. */
export interface SignedIn {
  token: string;
  body: AuthSessionDto;
}

/** 256 bits: the session id in the cookie. */
const TOKEN_BYTES = 32;
const TOKEN_FORMAT = /^[A-Za-z0-9_-]{43}$/;
/** 128 bits: the public handle shown in session lists. */
const HANDLE_BYTES = 16;
/** last_seen is written at most this often per session, not on every request. */
const TOUCH_INTERVAL_MS = 15_000;
const CSRF_CONTEXT = 'burrow csrf v1';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

@Injectable()
export class SessionService {
  constructor(
    private readonly sessions: SessionRepository,
    private readonly crypto: CryptoRepository,
    private readonly settings: SecuritySettingsService,
    private readonly audit: AuditService,
  ) {}

  /**
   * Starts a brand-new session for `user`. Never reuses an id the browser sent: that is what stops session
   * fixation, where an attacker plants a known id and waits for the victim to sign in with it.
   */
  async signIn(user: UserEntity, client: ClientInfo, now: Date): Promise<SignedIn> {
    const settings = await this.deleteExpired(now);
    const token = this.crypto.randomToken(TOKEN_BYTES);
    await this.sessions.insert({
      handle: this.crypto.randomToken(HANDLE_BYTES),
      tokenHash: this.crypto.sha256Hex(token),
      userId: user.id,
      createdAt: now.toISOString(),
      lastSeenAt: now.toISOString(),
      address: client.address,
      userAgent: client.userAgent,
    });
    const mustEnrolTotp = settings.requireTotp && user.totpSecret === null;
    return { token, body: mapAuthSession(user, this.csrfTokenFor(token), mustEnrolTotp) };
  }

  /** The live session the cookie names, or undefined. Ends (deletes) a session that has timed out. */
  async authenticate(token: string | undefined, now: Date): Promise<AuthContext | undefined> {
    if (token === undefined || !TOKEN_FORMAT.test(token)) {
      return undefined;
    }
    const found = await this.sessions.findWithUser(this.crypto.sha256Hex(token));
    if (found === undefined) {
      return undefined;
    }
    const { session, user } = found;
    const settings = await this.settings.get();
    const idleMs = now.getTime() - Date.parse(session.lastSeenAt);
    const ageMs = now.getTime() - Date.parse(session.createdAt);
    if (idleMs >= settings.idleTimeoutMinutes * MINUTE || ageMs >= settings.absoluteLifetimeHours * HOUR) {
      await this.sessions.deleteByHandle(session.handle);
      return undefined;
    }
    if (user.disabled) {
      return undefined;
    }
    if (idleMs >= TOUCH_INTERVAL_MS) {
      await this.sessions.touch(session.handle, now);
    }
    return {
      user,
      session,
      csrfToken: this.csrfTokenFor(token),
      mustEnrolTotp: settings.requireTotp && user.totpSecret === null,
    };
  }

  /** The CSRF token is an HMAC keyed by the session id: bound to the session, and nothing extra to store. */
  csrfTokenMatches(auth: AuthContext, header: string | string[] | undefined): boolean {
    return typeof header === 'string' && this.crypto.equalsConstantTime(header, auth.csrfToken);
  }

  describe(auth: AuthContext): AuthSessionDto {
    return mapAuthSession(auth.user, auth.csrfToken, auth.mustEnrolTotp);
  }

  async list(auth: AuthContext): Promise<SessionDto[]> {
    await this.deleteExpired(new Date());
    const sessions = await this.sessions.listForUser(auth.user.id);
    return sessions.map((session) => mapSession(session, auth.session.handle));
  }

  /** Ends one of the caller's own sessions; true when it was the current one. */
  async revoke(auth: AuthContext, handle: string, client: ClientInfo): Promise<boolean> {
    if (!(await this.sessions.deleteOfUser(auth.user.id, handle))) {
      throw new DomainError('not_found', 'not_found', 'No such session');
    }
    await this.audit.record({ action: 'session.revoked', actor: auth.user, address: client.address, target: handle });
    return handle === auth.session.handle;
  }

  async signOut(auth: AuthContext, client: ClientInfo): Promise<void> {
    await this.sessions.deleteByHandle(auth.session.handle);
    await this.audit.record({ action: 'auth.logout', actor: auth.user, address: client.address });
  }

  /** Ends every session of the user except `keepHandle`; how many ended. */
  revokeAllOf(userId: number, keepHandle?: string): Promise<number> {
    return this.sessions.deleteAllOfUser(userId, keepHandle);
  }

  /** Sessions past either timeout are deleted, not just ignored: they leave the lists and the database. */
  /** Sessions that have not expired, of every user (the expired ones are removed first). */
  async activeCount(now: Date): Promise<number> {
    await this.deleteExpired(now);
    return this.sessions.count();
  }

  private async deleteExpired(now: Date): Promise<SecuritySettingsDto> {
    const settings = await this.settings.get();
    await this.sessions.deleteExpired(
      new Date(now.getTime() - settings.idleTimeoutMinutes * MINUTE),
      new Date(now.getTime() - settings.absoluteLifetimeHours * HOUR),
    );
    return settings;
  }

  private csrfTokenFor(token: string): string {
    return this.crypto.hmacBase64url(token, CSRF_CONTEXT);
  }
}
