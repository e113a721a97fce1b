import { Injectable } from '@nestjs/common';
import { type SetupDto, type SetupStatusDto } from '../dtos/auth.dto.js';
import { DomainError } from './domain-error.js';
import { type ClientInfo } from './client-info.js';
import { PasswordHashRepository } from '../repositories/password-hash.repository.js';
import { UserRepository } from '../repositories/user.repository.js';
import { AuditService } from './audit.service.js';
import { assertAcceptablePassword, validUsername } from './credentials.js';
import { assertBackupPassphrase, BackupSettingsService } from './backup-settings.service.js';
import { ExitCheckService } from './exit-check.service.js';
import { validExitCheckUrl } from './exit-check-url.js';
import { type SignedIn, SessionService } from './session.service.js';

/** First boot: there is no default password; the first person to open the page creates the admin. */
@Injectable()
export class SetupService {
  constructor(
    private readonly users: UserRepository,
    private readonly hasher: PasswordHashRepository,
    private readonly sessions: SessionService,
    private readonly audit: AuditService,
    private readonly exitCheck: ExitCheckService,
    private readonly backupSettings: BackupSettingsService,
  ) {}

  async status(): Promise<SetupStatusDto> {
    return { setupRequired: !(await this.users.any()) };
  }

  /** Creates the first admin and signs them in. Of two racing requests, the insert lets exactly one through. */
  async setup(request: SetupDto, client: ClientInfo): Promise<SignedIn> {
    if (await this.users.any()) {
      throw setupDone();
    }
    const { username, key, skeleton } = validUsername(request.username);
    assertAcceptablePassword(request.password, username);
    // Checked before the account exists, so a mistake here leaves the router still to be set up.
    const exitCheckUrl = validExitCheckUrl(request.exitCheckUrl ?? '');
    const backupPassphrase =
      request.backupPassphrase === undefined || request.backupPassphrase === '' ? null : request.backupPassphrase;
    if (backupPassphrase !== null) {
      assertBackupPassphrase(backupPassphrase);
    }
    const now = new Date();
    const passwordHash = await this.hasher.hash(request.password);
    const id = await this.users.insertIfNone(
      { username, usernameKey: key, usernameSkeleton: skeleton, passwordHash, role: 'admin' },
      now,
    );
    const user = id === undefined ? null : await this.users.findById(id);
    if (user === null) {
      throw setupDone();
    }
    await this.audit.record({ action: 'setup.completed', actor: user, address: client.address, target: username });
    await this.exitCheck.keep(exitCheckUrl, user, client);
    if (backupPassphrase !== null) {
      await this.backupSettings.setAtSetup(backupPassphrase, user, client);
    }
    return this.sessions.signIn(user, client, now);
  }
}

function setupDone(): DomainError {
  return new DomainError('conflict', 'setup_done', 'Setup is already done; sign in instead');
}
