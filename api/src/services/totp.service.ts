import { Injectable } from '@nestjs/common';
import { type RecoveryCodesDto, type TotpEnrolmentDto, type TotpStatusDto } from '../dtos/account.dto.js';
import { DomainError, type ErrorKind } from './domain-error.js';
import { type UserEntity } from '../entities/user.entity.js';
import { type ClientInfo } from './client-info.js';
import { CryptoRepository } from '../repositories/crypto.repository.js';
import { PasswordHashRepository } from '../repositories/password-hash.repository.js';
import { RecoveryCodeRepository } from '../repositories/recovery-code.repository.js';
import { TotpRepository } from '../repositories/totp.repository.js';
import { UserRepository } from '../repositories/user.repository.js';
import { AuditService } from './audit.service.js';
import { type AuthContext } from './session.service.js';

const RECOVERY_CODE_COUNT = 10;
// 32 symbols without look-alikes (no i, l, o, u): 8 of them are 40 bits, hashed with argon2id like passwords.
const RECOVERY_ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
const RECOVERY_CODE = /^([0-9a-z]{4})-?([0-9a-z]{4})$/;
const TOTP_CODE = /^\d{6}$/;

export type SecondFactor = 'totp' | 'recovery_code';

/**
 * Two-factor sign-in: enrolment, confirmation, removal, recovery codes, and checking a code at sign-in.
 * Whoever calls enrol, disable or newRecoveryCodes has checked the password first (AccountService).
 */
@Injectable()
export class TotpService {
  constructor(
    private readonly users: UserRepository,
    private readonly recoveryCodes: RecoveryCodeRepository,
    private readonly totp: TotpRepository,
    private readonly hasher: PasswordHashRepository,
    private readonly crypto: CryptoRepository,
    private readonly audit: AuditService,
  ) {}

  async status(user: UserEntity): Promise<TotpStatusDto> {
    if (user.totpSecret === null) {
      return { enabled: false, recoveryCodesLeft: 0 };
    }
    return { enabled: true, recoveryCodesLeft: await this.recoveryCodes.countUnused(user.id) };
  }

  /** A new secret for the authenticator app; it is not used for sign-in until a code from it is confirmed. */
  async enrol(auth: AuthContext): Promise<TotpEnrolmentDto> {
    if (auth.user.totpSecret !== null) {
      throw new DomainError(
        'conflict',
        'totp_already_enabled',
        'Two-factor sign-in is already on; turn it off first to set up a new app',
      );
    }
    const secret = this.totp.newSecret();
    await this.users.setTotpPending(auth.user.id, secret, new Date());
    const otpauthUrl = this.totp.otpauthUrl(secret, auth.user.username);
    return { secret, otpauthUrl, qrSvgDataUrl: await this.totp.qrSvgDataUrl(otpauthUrl) };
  }

  /** Turns 2FA on once `code` proves the app has the secret; returns the recovery codes, shown only now. */
  async confirm(auth: AuthContext, code: string, client: ClientInfo): Promise<RecoveryCodesDto> {
    const now = new Date();
    const user = await this.users.findById(auth.user.id);
    const pending = user?.totpPendingSecret ?? null;
    if (pending === null) {
      throw notStarted();
    }
    const step = TOTP_CODE.test(code) ? this.totp.matchingStep(pending, code, now) : null;
    if (step === null) {
      throw invalidCode('invalid');
    }
    if (!(await this.users.activateTotp(auth.user.id, pending, step, now))) {
      throw notStarted();
    }
    const recoveryCodes = await this.issueRecoveryCodes(auth.user.id);
    await this.audit.record({ action: 'totp.enabled', actor: auth.user, address: client.address });
    return { recoveryCodes };
  }

  /** A new set of recovery codes, shown only now; the old ones, used or not, stop working. */
  async newRecoveryCodes(user: UserEntity, client: ClientInfo): Promise<RecoveryCodesDto> {
    if (user.totpSecret === null) {
      throw notEnabled();
    }
    const replaced = await this.recoveryCodes.countUnused(user.id);
    const recoveryCodes = await this.issueRecoveryCodes(user.id);
    await this.audit.record({
      action: 'totp.recovery_codes_regenerated',
      actor: user,
      address: client.address,
      details: { recoveryCodesReplaced: replaced },
    });
    return { recoveryCodes };
  }

  /** Turns 2FA off and forgets the secret and the recovery codes. The caller has checked the password. */
  async disable(user: UserEntity, client: ClientInfo): Promise<void> {
    await this.users.clearTotp(user.id, new Date());
    await this.recoveryCodes.deleteAll(user.id);
    await this.audit.record({ action: 'totp.disabled', actor: user, address: client.address });
  }

  private async issueRecoveryCodes(userId: number): Promise<string[]> {
    const recoveryCodes = Array.from({ length: RECOVERY_CODE_COUNT }, () => {
      const raw = this.crypto.randomString(RECOVERY_ALPHABET, 8);
      return `${raw.slice(0, 4)}-${raw.slice(4)}`;
    });
    const hashes = await Promise.all(recoveryCodes.map((recoveryCode) => this.hasher.hash(recoveryCode)));
    await this.recoveryCodes.replace(userId, hashes);
    return recoveryCodes;
  }

  /**
   * Checks the second factor of a sign-in whose password was right. A TOTP code counts only for a time step
   * later than the last accepted one, so a code seen over someone's shoulder cannot be replayed; a recovery
   * code is marked used in the same statement that checks it was unused.
   */
  async verifySecondFactor(
    user: UserEntity,
    code: string,
    client: ClientInfo,
    now: Date,
  ): Promise<SecondFactor | undefined> {
    if (user.totpSecret === null) {
      return undefined;
    }
    if (TOTP_CODE.test(code)) {
      const step = this.totp.matchingStep(user.totpSecret, code, now);
      return step !== null && (await this.users.consumeTotpStep(user.id, step)) ? 'totp' : undefined;
    }
    const recovery = RECOVERY_CODE.exec(code.trim().toLowerCase());
    if (recovery === null) {
      return undefined;
    }
    const normalized = `${recovery[1]}-${recovery[2]}`;
    for (const candidate of await this.recoveryCodes.listUnused(user.id)) {
      if (
        (await this.hasher.verify(candidate.codeHash, normalized)) &&
        (await this.recoveryCodes.markUsed(candidate.id, now))
      ) {
        const left = (await this.recoveryCodes.listUnused(user.id)).length;
        await this.audit.record({
          action: 'totp.recovery_code_used',
          actor: user,
          address: client.address,
          details: { recoveryCodesLeft: left },
        });
        return 'recovery_code';
      }
    }
    return undefined;
  }
}

function notStarted(): DomainError {
  return new DomainError(
    'conflict',
    'totp_enrolment_not_started',
    'Start two-factor setup first (POST /api/account/totp/enrol)',
  );
}

function notEnabled(): DomainError {
  return new DomainError('conflict', 'totp_not_enabled', 'Two-factor sign-in is not on for this account');
}

/** A wrong or reused code: `unauthenticated` while signing in, `invalid` while confirming a new app. */
export function invalidCode(kind: ErrorKind): DomainError {
  return new DomainError(kind, 'totp_invalid', 'Invalid two-factor code');
}
