// The recovery console's backend over the API's own services: every action here is a call of the service the web
// page's route calls, with the console as the actor, so there is one password reset, one restore and one issuer.
import { type INestApplicationContext } from '@nestjs/common';
import { type RestorePreviewDto } from '../../dtos/restore.dto.js';
import { type AppEnv } from '../../env.js';
import { FirmwareRepository } from '../../repositories/firmware.repository.js';
import { HostRepository } from '../../repositories/host.repository.js';
import { type AuditAction } from '../../dtos/audit.dto.js';
import { auditedAs, CONSOLE_ACTOR } from '../../services/actor.js';
import { type AuditDetails, AuditService } from '../../services/audit.service.js';
import { BackupService } from '../../services/backup.service.js';
import { CertificateService } from '../../services/certificate.service.js';
import { ConsolePasswordService } from '../../services/console-password.service.js';
import { FactoryResetService } from '../../services/factory-reset.service.js';
import { GatewayService } from '../../services/gateway.service.js';
import { RestoreService } from '../../services/restore.service.js';
import { StatusHubService } from '../../services/status-hub.service.js';
import { SystemService } from '../../services/system.service.js';
import { UserService } from '../../services/user.service.js';
import { BURROW_VERSION } from '../../version.js';
import {
  type ActionOutcome,
  type ConsoleBackend,
  type ConsoleHeader,
  type ConsoleStatusDetails,
  type ConsoleUser,
  type PasswordResetResult,
  type RestorePreview,
  type StoredBackup,
} from '../backend.js';
import { describeStatusDetails } from './status-details.js';
import { webPageUrl } from './web-url.js';

/** What the core tells whoever runs it after an action, so the web service picks it up (console/core/worker.ts). */
export interface CoreHooks {
  /** A restore or a factory reset is staged: the running API must restart to apply it, or whoever starts next. */
  staged(): Promise<string[]>;
  /** The certificates on disk changed: the running API must restart to serve them. */
  certificatesChanged(): Promise<string[]>;
  apiRunning(): Promise<boolean>;
}

export class ConsoleCore implements ConsoleBackend {
  constructor(
    private readonly app: INestApplicationContext,
    private readonly env: AppEnv,
    private readonly hooks: CoreHooks,
  ) {}

  private get<T>(type: abstract new (...args: never[]) => T): T {
    return this.app.get<T>(type, { strict: false });
  }

  async header(): Promise<ConsoleHeader> {
    const host = this.get(HostRepository);
    const firmware = this.get(FirmwareRepository);
    const [system, gateway, caFingerprint, burrowdUp, apiUp] = await Promise.all([
      this.get(SystemService)
        .getStatus()
        .catch(() => null),
      this.get(GatewayService)
        .status()
        .catch(() => null),
      this.get(CertificateService)
        .authorityFingerprint()
        .catch(() => null),
      firmware.answers().catch(() => false),
      this.hooks.apiRunning(),
    ]);
    const addresses = (role: string) =>
      (system?.interfaces ?? [])
        .filter((entry) => entry.role === role)
        .flatMap((entry) => entry.addresses.map((address) => `${address.address}/${address.prefixLength}`));
    const lan = addresses('lan-bridge');
    const tunnel = gateway?.tunnel;
    return {
      firmwareVersion: BURROW_VERSION,
      hostname: host.hostname(),
      uptimeSeconds: host.uptimeSeconds(),
      wanAddresses: addresses('wan'),
      lanAddresses: lan,
      webUrl: webPageUrl(lan, this.env.httpsPort),
      caFingerprint,
      tunnel:
        tunnel === undefined || !gateway?.reachable
          ? null
          : { name: tunnel.profileName, state: tunnel.state, lastHandshake: tunnel.lastHandshake },
      killSwitch:
        gateway === null || !gateway.reachable
          ? null
          : gateway.killSwitchDisarmedUntil !== null
            ? { state: 'disarmed', disarmedUntil: gateway.killSwitchDisarmedUntil }
            : { state: gateway.killSwitch ? 'armed' : 'off', disarmedUntil: null },
      selfTest: gateway?.selfTest ? { pass: gateway.selfTest.pass, at: gateway.selfTest.at } : null,
      burrowdUp,
      apiUp,
    };
  }

  async statusDetails(): Promise<ConsoleStatusDetails> {
    const [system, gateway, report] = await Promise.all([
      this.get(SystemService)
        .getStatus()
        .catch(() => null),
      this.get(GatewayService)
        .status()
        .catch(() => null),
      this.get(StatusHubService)
        .read()
        .catch(() => null),
    ]);
    return describeStatusDetails({ system, gateway, raw: report?.raw ?? null, now: new Date() });
  }

  async listUsers(): Promise<ConsoleUser[]> {
    const users = await this.get(UserService).list();
    return users.map(({ id, username, role, totpEnabled }) => ({ id, username, role, totpEnabled }));
  }

  resetAdminPassword(userId: number | null): Promise<PasswordResetResult> {
    return this.get(UserService).resetAdminPassword(userId, CONSOLE_ACTOR);
  }

  async disableTwoFactor(userId: number): Promise<ActionOutcome> {
    await this.get(UserService).disableTotp(userId, CONSOLE_ACTOR);
    return { ok: true, lines: ['Two-factor sign-in is off for this user; they sign in with their password alone.'] };
  }

  async listStoredBackups(): Promise<StoredBackup[]> {
    const backups = await this.get(BackupService).list();
    return backups
      .map((backup) => ({
        id: backup.id,
        createdAt: backup.createdAt,
        kind: backup.kind,
        sizeBytes: backup.size,
        deviceKey: !backup.passphraseProtected,
      }))
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  async previewStoredBackup(id: number, passphrase: string | null): Promise<RestorePreview> {
    return describePreview(await this.get(RestoreService).previewStoredFor(CONSOLE_ACTOR, id, passphrase));
  }

  async previewBackupFile(path: string, passphrase: string | null): Promise<RestorePreview> {
    return describePreview(await this.get(RestoreService).previewFileFor(CONSOLE_ACTOR, path, passphrase));
  }

  async applyRestore(token: string): Promise<ActionOutcome> {
    const applied = await this.get(RestoreService).applyFor({ origin: 'console' }, token);
    return {
      ok: true,
      lines: [
        applied.message,
        `A backup of the configuration before this restore was kept (number ${applied.preRestoreBackupId}).`,
        ...(await this.hooks.staged()),
      ],
    };
  }

  async factoryReset(): Promise<ActionOutcome> {
    const firmware = this.get(FirmwareRepository);
    // burrowd first: it forgets the tunnels and closes everything before the API's configuration goes.
    const burrowd = await firmware.factoryReset();
    await this.get(FactoryResetService).stage(CONSOLE_ACTOR);
    return {
      ok: true,
      lines: [
        burrowd === null || !burrowd.ok
          ? 'burrowd did not answer: it keeps its tunnels until the web service sends it the new, empty configuration.'
          : 'burrowd forgot its tunnels; the kill switch stays closed.',
        'The configuration is wiped; the router starts as a new box with a new certificate authority.',
        ...(await this.hooks.staged()),
        'Open the web page to run the setup wizard again.',
      ],
    };
  }

  async disarmKillSwitch(minutes: number): Promise<ActionOutcome> {
    const answer = await this.get(FirmwareRepository).disarm(minutes);
    if (answer === null || !answer.ok) {
      return killSwitchUnchanged(answer);
    }
    const until = answer.result.disarmedUntil;
    await this.recordConsoleAudit('gateway.kill_switch_disarmed', { minutes, until });
    return {
      ok: true,
      lines: [
        `The kill switch is off until ${until} (${minutes} min).`,
        'Devices on the LAN now reach the Internet WITHOUT the tunnel. It re-arms by itself.',
      ],
    };
  }

  async rearmKillSwitch(): Promise<ActionOutcome> {
    const answer = await this.get(FirmwareRepository).rearm();
    if (answer === null || !answer.ok) {
      return killSwitchUnchanged(answer);
    }
    await this.recordConsoleAudit('gateway.kill_switch_rearmed', {});
    return { ok: true, lines: ['The kill switch is armed again.'] };
  }

  async reissueCertificate(): Promise<ActionOutcome> {
    const issued = await this.get(CertificateService).reissueFor(CONSOLE_ACTOR);
    return {
      ok: true,
      lines: [
        'The web page has a new certificate from the same authority.',
        `Certificate SHA-256: ${issued.fingerprintSha256}`,
        ...(await this.hooks.certificatesChanged()),
      ],
    };
  }

  async resetAuthority(): Promise<ActionOutcome> {
    const issued = await this.get(CertificateService).resetAuthorityFor(CONSOLE_ACTOR);
    return {
      ok: true,
      lines: [
        'A new certificate authority was made; devices must trust it again (download it from the web page).',
        `CA SHA-256: ${issued.authorityFingerprintSha256}`,
        `Certificate SHA-256: ${issued.fingerprintSha256}`,
        ...(await this.hooks.certificatesChanged()),
      ],
    };
  }

  shellPasswordSet(): Promise<boolean> {
    return this.get(ConsolePasswordService).isConsolePasswordSet();
  }

  checkShellPassword(password: string): Promise<boolean> {
    return this.get(ConsolePasswordService).checkConsolePassword(password);
  }

  recordConsoleEvent(
    action: 'console.shell' | 'console.reboot' | 'console.poweroff',
    details: Record<string, string>,
  ): Promise<void> {
    return this.recordConsoleAudit(action, details);
  }

  private async recordConsoleAudit(action: AuditAction, details: AuditDetails): Promise<void> {
    await this.get(AuditService).record({ action, ...auditedAs(CONSOLE_ACTOR), details });
  }

  async tunnelHandshake(): Promise<ActionOutcome> {
    const answer = await this.get(FirmwareRepository).handshake();
    if (answer === null) {
      return { ok: false, lines: ['burrowd is not running: no handshake can be tried.'] };
    }
    return answer.ok
      ? { ok: true, lines: [`Handshake with ${answer.endpoint ?? 'the server'} completed in ${answer.latencyMs} ms.`] }
      : { ok: false, lines: [`No handshake: ${answer.error}`] };
  }
}

/** burrowd down (null) or refusing: nothing changed, and the screen says why. */
function killSwitchUnchanged(answer: { ok: false; error: string } | null): ActionOutcome {
  return answer === null
    ? { ok: false, lines: ['burrowd is not running: the kill switch cannot be changed from here.'] }
    : { ok: false, lines: [`burrowd refused: ${answer.error}`] };
}

function describePreview(preview: RestorePreviewDto): RestorePreview {
  const { manifest } = preview;
  const summary = [
    `From: ${preview.source}`,
    `Made: ${manifest.createdAt} on ${manifest.hostname}, firmware ${manifest.firmwareVersion} (${manifest.kind})`,
    `Users: ${preview.users.map((user) => `${user.username} (${user.role})`).join(', ') || 'none'}`,
    `Tunnels: ${preview.tunnels.map((tunnel) => tunnel.name).join(', ') || 'none'}`,
    ...preview.settingChanges.map(
      (change) =>
        `Setting ${change.key}: ${change.secret ? 'changes' : `${change.current ?? '-'} -> ${change.restored ?? '-'}`}`,
    ),
    ...(preview.authorityChanges
      ? ['WARNING: the backup has another certificate authority; devices must trust the restored one.']
      : []),
  ];
  return {
    token: preview.token,
    createdAt: manifest.createdAt,
    hostname: manifest.hostname,
    firmwareVersion: manifest.firmwareVersion,
    summary,
  };
}
