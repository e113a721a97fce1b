import { Injectable, Logger } from '@nestjs/common';
import { type LoginDto } from '../dtos/auth.dto.js';
import { DomainError } from './domain-error.js';
import { type UserEntity } from '../entities/user.entity.js';
import { type ClientInfo } from './client-info.js';
import { MetricsRepository, type SignInFailureReason } from '../repositories/metrics.repository.js';
import { PasswordHashRepository } from '../repositories/password-hash.repository.js';
import { UserRepository } from '../repositories/user.repository.js';
import { AuditService } from './audit.service.js';
import { type DeviceCookie, DeviceService } from './device.service.js';
import { EventService } from './event.service.js';
import { type AttemptGate, LockoutService } from './lockout.service.js';
import { type SignedIn, SessionService } from './session.service.js';
import { invalidCode, type SecondFactor, TotpService } from './totp.service.js';
import { usernameKey } from './username-policy.js';

/** Why a sign-in failed: recorded in the audit log and counted in `/metrics`, never told to the client. */
type FailureReason = SignInFailureReason;

const INVALID_CREDENTIALS_MESSAGE = 'Invalid username or password';

/** A new session, and a fresh device cookie for the browser that signed in. */
export type SignedInDevice = SignedIn & { device: DeviceCookie };

/**
 * Sign-in. Outline, in order:
 *   1. count the attempt (per name, or per known device of this user; and per address) before anything is checked
 *   2. name (device) or address already locked → refuse, after a dummy hash so it takes as long as a real check
 *   3. unknown name → dummy hash, refuse;  wrong password → refuse;  disabled user → refuse (after the real check)
 *   4. 2FA on: no code → ask for one (the attempt is taken back);  wrong or replayed code → refuse
 *   5. upgrade the hash if its parameters are old, forgive the failures, start a new session, know the device
 * Steps 2 and 3 answer identically. A refused attempt stays counted.
 */
@Injectable()
export class AuthService {
  private readonly logger = new Logger(AuthService.name);

  constructor(
    private readonly users: UserRepository,
    private readonly hasher: PasswordHashRepository,
    private readonly lockout: LockoutService,
    private readonly devices: DeviceService,
    private readonly totp: TotpService,
    private readonly sessions: SessionService,
    private readonly audit: AuditService,
    private readonly metrics: MetricsRepository,
    private readonly events: EventService,
  ) {}

  /** `deviceCookie`: the device cookie the browser sent, if any. */
  async login(credentials: LoginDto, client: ClientInfo, deviceCookie?: string): Promise<SignedInDevice> {
    const now = new Date();
    const key = usernameKey(credentials.username);
    // Looked up in every case, so the lookup costs the same whether the name is locked or not.
    const user = await this.users.findByKey(key);
    const known = await this.devices.verify(deviceCookie, now);
    const device = known !== undefined && user !== null && known.userId === user.id ? known.deviceId : undefined;
    const gate = await this.lockout.countAttempt(key, client.address, now, device);
    if (!gate.allowed) {
      await this.hasher.verifyDummy(credentials.password);
      return this.refuse(gate, user, 'locked', client, now);
    }
    if (user === null) {
      await this.hasher.verifyDummy(credentials.password);
      return this.refuse(gate, user, 'unknown_user', client, now);
    }
    if (!(await this.hasher.verify(user.passwordHash, credentials.password))) {
      return this.refuse(gate, user, 'wrong_password', client, now);
    }
    if (user.disabled) {
      return this.refuse(gate, user, 'disabled', client, now);
    }
    let secondFactor: SecondFactor | 'none' = 'none';
    if (user.totpSecret !== null) {
      if (credentials.totp === undefined || credentials.totp === '') {
        await this.lockout.notAFailure(key, client.address, gate.device);
        throw new DomainError(
          'unauthenticated',
          'totp_required',
          'Enter the code from your authenticator app or a recovery code',
        );
      }
      secondFactor = (await this.totp.verifySecondFactor(user, credentials.totp, client, now)) ?? 'none';
      if (secondFactor === 'none') {
        return this.refuse(gate, user, 'totp_invalid', client, now);
      }
    }
    await this.upgradeHashIfOld(user, credentials.password);
    await this.lockout.succeeded(key, client.address, gate.device);
    const signedIn = await this.sessions.signIn(user, client, now);
    await this.audit.record({
      action: 'auth.login',
      actor: user,
      address: client.address,
      details: { secondFactor, knownDevice: gate.device !== null },
    });
    return { ...signedIn, device: await this.devices.issue(user.id, now) };
  }

  private async refuse(
    gate: AttemptGate,
    user: UserEntity | null,
    reason: FailureReason,
    client: ClientInfo,
    now: Date,
  ): Promise<never> {
    this.metrics.signInFailed(reason);
    // An unknown name is not recorded: it may well be a password typed into the wrong field.
    const audit = { actor: user, address: client.address };
    await this.audit.record({ ...audit, action: 'auth.login_failed', details: { reason } }, now);
    if (gate.locksUsername) {
      await this.audit.record({ ...audit, action: 'auth.locked', target: user?.username ?? null }, now);
      // Told for real users only: a made-up name locking is someone guessing, and telling each would let them flood
      // the list and the webhook.
      if (user !== null) {
        await this.events.record(
          {
            kind: 'signin.lockout',
            severity: 'warning',
            message: `Sign-in as ${user.username} is locked for a while after repeated failed attempts`,
            details: { username: user.username },
          },
          now,
        );
      }
    }
    if (gate.locksDevice) {
      await this.audit.record({ ...audit, action: 'auth.device_locked', target: user?.username ?? null }, now);
    }
    if (gate.locksAddress) {
      await this.audit.record({ ...audit, action: 'auth.address_locked', target: client.address }, now);
    }
    if (reason === 'totp_invalid') {
      throw invalidCode('unauthenticated');
    }
    throw new DomainError('unauthenticated', 'invalid_credentials', INVALID_CREDENTIALS_MESSAGE);
  }

  /** Parameters are read from the stored hash; when today's differ, the password just typed is hashed anew. */
  private async upgradeHashIfOld(user: UserEntity, password: string): Promise<void> {
    if (!this.hasher.needsRehash(user.passwordHash)) {
      return;
    }
    await this.users.upgradePasswordHash(user.id, user.passwordHash, await this.hasher.hash(password));
    this.logger.log(`upgraded the password hash parameters of user ${user.id}`);
  }
}
