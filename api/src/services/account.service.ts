import { Injectable } from '@nestjs/common';
import { type RecoveryCodesDto, type TotpEnrolmentDto } from '../dtos/account.dto.js';
import { DomainError } from './domain-error.js';
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
    await this.confirmPassword(auth, current, client);
    assertAcceptablePassword(next, auth.user.username);
    if (auth.user.passwordMustChange && next === current) {
      throw new DomainError('invalid', 'weak_password', 'Choose a new password, not the one-time password');
    }
    const now = new Date();
    const passwordHash = await this.hasher.hash(next);
    // The user's own choice: a one-time password set by the recovery console is now replaced.
    await this.users.setPasswordHash(auth.user.id, passwordHash, false, now);
    // Every session ends, this one included: the browser that changed the password gets a new session id.
    const others = (await this.sessions.revokeAllOf(auth.user.id)) - 1;
    await this.audit.record({
      action: 'account.password_changed',
      actor: auth.user,
      address: client.address,
      details: { otherSessionsEnded: others },
    });
    return this.sessions.signIn({ ...auth.user, passwordHash, passwordMustChange: false }, client, now);
  }

  /** A stolen session alone must not be able to put the thief's authenticator app on the account. */
  async enrolTotp(auth: AuthContext, password: string, client: ClientInfo): Promise<TotpEnrolmentDto> {
    await this.confirmPassword(auth, password, client);
    return this.totp.enrol(auth);
  }

  async newRecoveryCodes(auth: AuthContext, password: string, client: ClientInfo): Promise<RecoveryCodesDto> {
    await this.confirmPassword(auth, password, client);
    return this.totp.newRecoveryCodes(auth.user, client);
  }

  async disableTotp(auth: AuthContext, password: string, client: ClientInfo): Promise<void> {
    if ((await this.settings.get()).requireTotp) {
      throw new DomainError('conflict', 'totp_required_by_policy', 'An admin requires two-factor sign-in for everyone');
    }
    await this.confirmPassword(auth, password, client);
    await this.totp.disable(auth.user, client);
  }

  /**
   * A stolen session must not be enough to take the account over, so these changes ask for the password again.
   * Wrong ones are counted against the session itself (with a known device's allowance), not the name: strangers
   * who locked the name by guessing must not keep its signed-in owner from changing their password. Past that
   * allowance, they count towards the name's lock like a failed sign-in.
   */
  async confirmPassword(auth: AuthContext, password: string, client: ClientInfo): Promise<void> {
    const key = usernameKey(auth.user.username);
    const gate = await this.lockout.countAttempt(key, client.address, new Date(), `session:${auth.session.handle}`);
    if (gate.allowed && (await this.hasher.verify(auth.user.passwordHash, password))) {
      await this.lockout.succeeded(key, client.address, gate.device);
      return;
    }
    throw new DomainError('invalid', 'wrong_password', 'The current password is not correct');
  }
}
