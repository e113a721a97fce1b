import { Injectable } from '@nestjs/common';
import { type RecoveryCodesDto, type TotpEnrolmentDto } from '../dtos/account.dto.js';
import { DomainError } from './domain-error.js';
import { type UserEntity } from '../entities/user.entity.js';
import { type ClientInfo } from './client-info.js';
import { PasswordHashRepository } from '../repositories/password-hash.repository.js';
import { UserRepository } from '../repositories/user.repository.js';
import { AuditService } from './audit.service.js';
import { assertAcceptablePassword } from './credentials.js';
import { LockoutService } from './lockout.service.js';
import { SecuritySettingsService } from './security-settings.service.js';
import { type AuthContext, type SignedIn, SessionService } from './session.service.js';
import { TotpService } from './totp.service.js';
import { usernameKey } from './username-policy.js';

/** What signed-in users do to their own account: change the password, turn 2FA on or off, new recovery codes. */
@Injectable()
export class AccountService {
  constructor(
    private readonly users: UserRepository,
    private readonly hasher: PasswordHashRepository,
    private readonly lockout: LockoutService,
    private readonly sessions: SessionService,
    private readonly settings: SecuritySettingsService,
    private readonly totp: TotpService,
    private readonly audit: AuditService,
  ) {}

  /** Sets a new password, ends every session of the user, and starts a new one for this browser. */
  async changePassword(auth: AuthContext, current: string, next: string, client: ClientInfo): Promise<SignedIn> {
    await this.confirmPassword(auth.user, current, client);
    assertAcceptablePassword(next, auth.user.username);
    const now = new Date();
    await this.users.setPasswordHash(auth.user.id, await this.hasher.hash(next), now);
    // Every session ends, this one included: the browser that changed the password gets a new session id.
    const others = (await this.sessions.revokeAllOf(auth.user.id)) - 1;
    await this.audit.record({
      action: 'account.password_changed',
      actor: auth.user,
      address: client.address,
      details: { otherSessionsEnded: others },
    });
    return this.sessions.signIn(auth.user, client, now);
  }

  /** A stolen session alone must not be able to put the thief's authenticator app on the account. */
  async enrolTotp(auth: AuthContext, password: string, client: ClientInfo): Promise<TotpEnrolmentDto> {
    await this.confirmPassword(auth.user, password, client);
    return this.totp.enrol(auth);
  }

  async newRecoveryCodes(auth: AuthContext, password: string, client: ClientInfo): Promise<RecoveryCodesDto> {
    await this.confirmPassword(auth.user, password, client);
    return this.totp.newRecoveryCodes(auth.user, client);
  }

  async disableTotp(auth: AuthContext, password: string, client: ClientInfo): Promise<void> {
    if ((await this.settings.get()).requireTotp) {
      throw new DomainError('conflict', 'totp_required_by_policy', 'An admin requires two-factor sign-in for everyone');
    }
    await this.confirmPassword(auth.user, password, client);
    await this.totp.disable(auth.user, client);
  }

  /**
   * A stolen session must not be enough to take the account over, so these changes ask for the password again.
   * A wrong one counts towards the same lock as a failed sign-in.
   */
  async confirmPassword(user: UserEntity, password: string, client: ClientInfo): Promise<void> {
    const key = usernameKey(user.username);
    const gate = await this.lockout.countAttempt(key, client.address, new Date());
    if (gate.allowed && (await this.hasher.verify(user.passwordHash, password))) {
      await this.lockout.succeeded(key, client.address);
      return;
    }
    throw new DomainError('invalid', 'wrong_password', 'The current password is not correct');
  }
}
