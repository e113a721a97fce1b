import { Injectable } from '@nestjs/common';
import { DomainError } from './domain-error.js';
import { type CreateUserDto, mapManagedUser, type UpdateUserDto, type UserDto } from '../dtos/user.dto.js';
import { type UserEntity } from '../entities/user.entity.js';
import { type ClientInfo } from './client-info.js';
import { CryptoRepository } from '../repositories/crypto.repository.js';
import { PasswordHashRepository } from '../repositories/password-hash.repository.js';
import { RecoveryCodeRepository } from '../repositories/recovery-code.repository.js';
import { type GuardedResult, type UserChanges, UserRepository } from '../repositories/user.repository.js';
import { type Actor, auditedAs } from './actor.js';
import { AuditService } from './audit.service.js';
import { assertAcceptablePassword, validUsername } from './credentials.js';
import { LockoutService } from './lockout.service.js';
import { oneTimePassword } from './one-time-password.js';
import { SessionService } from './session.service.js';

/** What the recovery console shows once after a reset; the password is never stored or shown again. */
export interface AdminPasswordReset {
  username: string;
  oneTimePassword: string;
  /** True when no enabled admin existed and this one was created. */
  created: boolean;
}

/** The name of an admin the recovery console creates: `admin`, else the first free `admin-2`, `admin-3`, … */
const CONSOLE_ADMIN_NAME = 'admin';
const CONSOLE_ADMIN_NAME_TRIES = 100;

/**
 * Admins managing users. The last enabled admin can never be removed, disabled or demoted: the repository
 * checks that inside the statement that makes the change. A change of role, a disable or a new password
 * ends every session of that user, so they sign in again (with a new session id) under the new rules; so does
 * turning their two-factor sign-in off. An admin's own password and two-factor sign-in change only on the
 * account routes, which ask for the current password: a stolen admin session must not be enough to keep the
 * account. The recovery console (someone at the router itself) resets an admin's password here too.
 */
@Injectable()
export class UserService {
  constructor(
    private readonly users: UserRepository,
    private readonly hasher: PasswordHashRepository,
    private readonly sessions: SessionService,
    private readonly audit: AuditService,
    private readonly lockout: LockoutService,
    private readonly recoveryCodes: RecoveryCodeRepository,
    private readonly crypto: CryptoRepository,
  ) {}

  async list(): Promise<UserDto[]> {
    return this.describe(await this.users.list());
  }

  async create(request: CreateUserDto, actor: UserEntity, client: ClientInfo): Promise<UserDto> {
    const { username, key, skeleton } = validUsername(request.username);
    assertAcceptablePassword(request.password, username);
    const passwordHash = await this.hasher.hash(request.password);
    const id = await this.users.insert(
      { username, usernameKey: key, usernameSkeleton: skeleton, passwordHash, role: request.role },
      new Date(),
    );
    if (id === undefined) {
      throw new DomainError('conflict', 'username_taken', 'A user with this name, or one that looks the same, exists');
    }
    await this.audit.record({
      action: 'user.created',
      actor,
      address: client.address,
      target: username,
      details: { role: request.role },
    });
    return this.describeOne(await this.get(id));
  }

  async update(id: number, request: UpdateUserDto, actor: UserEntity, client: ClientInfo): Promise<UserDto> {
    const before = await this.get(id);
    const changes: UserChanges = {};
    if (request.role !== undefined && request.role !== before.role) {
      changes.role = request.role;
    }
    if (request.disabled !== undefined && request.disabled !== before.disabled) {
      changes.disabled = request.disabled;
    }
    if (request.password !== undefined) {
      if (id === actor.id) {
        throw useAccountRoute(
          'Change your own password under My account (POST /api/account/password), with the current one',
        );
      }
      assertAcceptablePassword(request.password, before.username);
      changes.passwordHash = await this.hasher.hash(request.password);
    }
    if (Object.keys(changes).length === 0) {
      return this.describeOne(before);
    }
    assertDone(await this.users.update(id, changes, new Date()));
    await this.sessions.revokeAllOf(id);

    const audit = { actor, address: client.address, target: before.username };
    if (changes.role !== undefined) {
      await this.audit.record({
        ...audit,
        action: 'user.role_changed',
        details: { from: before.role, to: changes.role },
      });
    }
    if (changes.disabled !== undefined) {
      await this.audit.record({ ...audit, action: changes.disabled ? 'user.disabled' : 'user.enabled' });
    }
    if (changes.passwordHash !== undefined) {
      await this.audit.record({ ...audit, action: 'user.password_reset' });
    }
    return this.describeOne(await this.get(id));
  }

  async delete(id: number, actor: UserEntity, client: ClientInfo): Promise<void> {
    const before = await this.get(id);
    assertDone(await this.users.delete(id));
    await this.audit.record({ action: 'user.deleted', actor, address: client.address, target: before.username });
  }

  async revokeSessions(id: number, actor: UserEntity, client: ClientInfo): Promise<void> {
    const user = await this.get(id);
    const count = await this.sessions.revokeAllOf(id);
    await this.audit.record({
      action: 'user.sessions_revoked',
      actor,
      address: client.address,
      target: user.username,
      details: { count },
    });
  }

  /**
   * Lifts the lock that failed sign-ins put on the user's name, so the right password works again from any device.
   * Audited whether or not a lock was in force. The Users page and the recovery console both come here.
   */
  async unlock(id: number, actor: { username: string } | null, client: { address: string | null }): Promise<UserDto> {
    const user = await this.get(id);
    const lockedUntil = await this.lockout.unlockUsername(user.usernameKey, new Date());
    await this.audit.record({
      action: 'user.unlocked',
      actor,
      address: client.address,
      target: user.username,
      details: { wasLocked: lockedUntil !== null },
    });
    return mapManagedUser(user, undefined);
  }

  private async describe(users: UserEntity[]): Promise<UserDto[]> {
    const locks = await this.lockout.lockedUsernames(
      users.map((user) => user.usernameKey),
      new Date(),
    );
    return users.map((user) => mapManagedUser(user, locks.get(user.usernameKey)));
  }

  private async describeOne(user: UserEntity): Promise<UserDto> {
    const [described] = await this.describe([user]);
    if (described === undefined) {
      throw notFound();
    }
    return described;
  }

  /**
   * For a user who lost their phone: off, recovery codes gone, signed out everywhere (their sign-in changed). An admin
   * on the Users page (never for themselves: that is the account route, with the password) or the recovery console.
   */
  async disableTotp(id: number, by: Actor): Promise<void> {
    if (by.origin === 'web' && id === by.user.id) {
      throw useAccountRoute('Turn off your own two-factor sign-in under My account (DELETE /api/account/totp)');
    }
    const user = await this.get(id);
    if (user.totpSecret === null) {
      throw new DomainError('conflict', 'totp_not_enabled', 'Two-factor sign-in is not on for this user');
    }
    await this.users.clearTotp(id, new Date());
    await this.recoveryCodes.deleteAll(id);
    const sessionsEnded = await this.sessions.revokeAllOf(id);
    await this.audit.record({
      ...auditedAs(by),
      action: 'user.totp_disabled',
      target: user.username,
      details: { sessionsEnded },
    });
  }

  /**
   * The recovery console's way back in: a fresh one-time password for the enabled admin `userId`, to be changed at the
   * next sign-in (two-factor sign-in, if on, still applies). Every session of theirs ends and the lock that failed
   * sign-ins put on their name is lifted. With `userId` null, and only when no enabled admin exists, an admin is
   * created the same way (`admin`, or the first free `admin-N`).
   */
  async resetAdminPassword(userId: number | null, by: Actor): Promise<AdminPasswordReset> {
    const password = oneTimePassword((alphabet, length) => this.crypto.randomString(alphabet, length));
    const passwordHash = await this.hasher.hash(password);
    const now = new Date();
    if (userId === null) {
      const username = await this.createConsoleAdmin(passwordHash, now);
      await this.audit.record({
        ...auditedAs(by),
        action: 'user.created',
        target: username,
        details: { role: 'admin', passwordMustChange: true },
      });
      return { username, oneTimePassword: password, created: true };
    }
    const result = await this.users.resetAdminPassword(userId, passwordHash, now);
    if (result === 'not_found') {
      throw notFound();
    }
    if (result === 'not_admin') {
      throw new DomainError(
        'conflict',
        'not_an_admin',
        "Only an enabled admin's password is reset here; an admin can then reset the others on the Users page",
      );
    }
    const user = await this.get(userId);
    const sessionsEnded = await this.sessions.revokeAllOf(userId);
    const lockedUntil = await this.lockout.unlockUsername(user.usernameKey, now);
    await this.audit.record({
      ...auditedAs(by),
      action: 'user.password_reset',
      target: user.username,
      details: { passwordMustChange: true, sessionsEnded, wasLocked: lockedUntil !== null },
    });
    return { username: user.username, oneTimePassword: password, created: false };
  }

  private async createConsoleAdmin(passwordHash: string, at: Date): Promise<string> {
    for (let n = 1; n <= CONSOLE_ADMIN_NAME_TRIES; n++) {
      const { username, key, skeleton } = validUsername(n === 1 ? CONSOLE_ADMIN_NAME : `${CONSOLE_ADMIN_NAME}-${n}`);
      const result = await this.users.insertAdminIfNone(
        { username, usernameKey: key, usernameSkeleton: skeleton, passwordHash },
        at,
      );
      if (result === 'admin_exists') {
        throw new DomainError(
          'conflict',
          'admin_exists',
          "An admin exists: choose which admin's password to reset rather than creating another",
        );
      }
      if (result !== 'name_taken') {
        return username;
      }
    }
    throw new DomainError('conflict', 'username_taken', 'Every name from admin to admin-100 is taken');
  }

  private async get(id: number): Promise<UserEntity> {
    const user = await this.users.findById(id);
    if (user === null) {
      throw notFound();
    }
    return user;
  }
}

function assertDone(result: GuardedResult): void {
  if (result === 'not_found') {
    throw notFound();
  }
  if (result === 'last_admin') {
    throw new DomainError(
      'conflict',
      'last_admin',
      'The last enabled admin cannot be removed, disabled or made a viewer',
    );
  }
}

function useAccountRoute(message: string): DomainError {
  return new DomainError('forbidden', 'use_account_route', message);
}

function notFound(): DomainError {
  return new DomainError('not_found', 'not_found', 'No such user');
}
