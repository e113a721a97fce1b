import { Injectable, Logger } from '@nestjs/common';
import { type ConsolePasswordStatusDto } from '../dtos/console-password.dto.js';
import { PasswordHashRepository } from '../repositories/password-hash.repository.js';
import { SettingRepository } from '../repositories/setting.repository.js';
import { AccountService } from './account.service.js';
import { AuditService } from './audit.service.js';
import { type ClientInfo } from './client-info.js';
import { assertAcceptablePassword } from './credentials.js';
import { type AuthContext } from './session.service.js';

/** The setting holding the console password's argon2id hash and when it was set; absent when none is set. */
export const CONSOLE_PASSWORD_SETTING = 'console.passwordHash';

interface StoredConsolePassword {
  /** Null when the stored value is damaged: it still counts as set, and nothing matches it. */
  hash: string | null;
  updatedAt: string | null;
}

/**
 * The password the recovery console asks before it opens a root shell on the router's screen or serial port. Admins
 * set, change and clear it on the System page, confirming with their own password; only its hash is stored. Without
 * one, the console asks for a confirmation only (being at the box is then enough).
 */
@Injectable()
export class ConsolePasswordService {
  private readonly logger = new Logger(ConsolePasswordService.name);

  constructor(
    private readonly settings: SettingRepository,
    private readonly hasher: PasswordHashRepository,
    private readonly account: AccountService,
    private readonly audit: AuditService,
  ) {}

  async status(): Promise<ConsolePasswordStatusDto> {
    const stored = await this.stored();
    return { set: stored !== null, updatedAt: stored?.updatedAt ?? null };
  }

  async set(password: string, currentPassword: string, auth: AuthContext, client: ClientInfo): Promise<void> {
    assertAcceptablePassword(password, auth.user.username);
    await this.account.confirmPassword(auth, currentPassword, client);
    const wasSet = (await this.stored()) !== null;
    const now = new Date();
    const value: StoredConsolePassword = { hash: await this.hasher.hash(password), updatedAt: now.toISOString() };
    await this.settings.write(new Map([[CONSOLE_PASSWORD_SETTING, value]]), now);
    await this.audit.record({
      action: 'system.console_password_set',
      actor: auth.user,
      address: client.address,
      target: 'console',
      details: { replaced: wasSet },
    });
  }

  /** Clears it (the console then asks for a confirmation only); audited when one was set. */
  async clear(currentPassword: string, auth: AuthContext, client: ClientInfo): Promise<void> {
    await this.account.confirmPassword(auth, currentPassword, client);
    if (!(await this.settings.delete(CONSOLE_PASSWORD_SETTING))) {
      return;
    }
    await this.audit.record({
      action: 'system.console_password_cleared',
      actor: auth.user,
      address: client.address,
      target: 'console',
    });
  }

  /** For the recovery console: whether to ask for the password before the shell. */
  async isConsolePasswordSet(): Promise<boolean> {
    return (await this.stored()) !== null;
  }

  /**
   * For the recovery console: whether `password` is the console password, by argon2's verify (which compares in
   * constant time). False when none is set or the stored value is unusable: the console then refuses, failing closed.
   */
  async checkConsolePassword(password: string): Promise<boolean> {
    const stored = await this.stored();
    if (stored === null || stored.hash === null) {
      await this.hasher.verifyDummy(password);
      return false;
    }
    try {
      return await this.hasher.verify(stored.hash, password);
    } catch {
      this.logger.warn(`setting ${CONSOLE_PASSWORD_SETTING} is not a usable hash; the console password is refused`);
      return false;
    }
  }

  private async stored(): Promise<StoredConsolePassword | null> {
    const value = (await this.settings.read([CONSOLE_PASSWORD_SETTING])).get(CONSOLE_PASSWORD_SETTING);
    if (value === undefined) {
      return null;
    }
    if (
      typeof value === 'object' &&
      value !== null &&
      'hash' in value &&
      typeof value.hash === 'string' &&
      value.hash.startsWith('$argon2') &&
      'updatedAt' in value &&
      typeof value.updatedAt === 'string'
    ) {
      return { hash: value.hash, updatedAt: value.updatedAt };
    }
    // A damaged value still counts as set: the console must not open the shell unasked because of it.
    this.logger.warn(`setting ${CONSOLE_PASSWORD_SETTING} is damaged; the console password is refused until set again`);
    return { hash: null, updatedAt: null };
  }
}
