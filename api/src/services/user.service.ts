import { Injectable } from '@nestjs/common';
import { DomainError } from './domain-error.js';
import { type CreateUserDto, mapManagedUser, type UpdateUserDto, type UserDto } from '../dtos/user.dto.js';
import { type UserEntity } from '../entities/user.entity.js';
import { type ClientInfo } from './client-info.js';
import { PasswordHashRepository } from '../repositories/password-hash.repository.js';
import { RecoveryCodeRepository } from '../repositories/recovery-code.repository.js';
import { type GuardedResult, type UserChanges, UserRepository } from '../repositories/user.repository.js';
import { AuditService } from './audit.service.js';
import { assertAcceptablePassword, validUsername } from './credentials.js';
import { LockoutService } from './lockout.service.js';
import { SessionService } from './session.service.js';

/**
 * Admins managing users. The last enabled admin can never be removed, disabled or demoted: the repository
 * checks that inside the statement that makes the change. A change of role, a disable or a new password
 * ends every session of that user, so they sign in again (with a new session id) under the new rules; so does
 * turning their two-factor sign-in off. An admin's own password and two-factor sign-in change only on the
 * account routes, which ask for the current password: a stolen admin session must not be enough to keep the
 * account.
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

  /** For a user who lost their phone: off, recovery codes gone, signed out everywhere (their sign-in changed). */
  async disableTotp(id: number, actor: UserEntity, client: ClientInfo): Promise<void> {
    if (id === actor.id) {
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
      action: 'user.totp_disabled',
      actor,
      address: client.address,
      target: user.username,
      details: { sessionsEnded },
    });
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
