import { type DynamicModule, Global, Module } from '@nestjs/common';
import { DatabaseModule } from './database/database.module.js';
import { type AppEnv } from './env.js';
import { EnvModule } from './env.module.js';
import { AccountService } from './services/account.service.js';
import { AuditRepository } from './repositories/audit.repository.js';
import { AuditService } from './services/audit.service.js';
import { AuthService } from './services/auth.service.js';
import { BackupArchiveRepository } from './repositories/backup-archive.repository.js';
import { BackupRepository } from './repositories/backup.repository.js';
import { BackupSchedulerService } from './services/backup-scheduler.service.js';
import { BackupService } from './services/backup.service.js';
import { BackupSettingsService } from './services/backup-settings.service.js';
import { CertificateFileRepository } from './repositories/certificate-file.repository.js';
import { CertificateService } from './services/certificate.service.js';
import { Clock } from './services/clock.js';
import { CryptoRepository } from './repositories/crypto.repository.js';
import { DatabaseRepository } from './repositories/database.repository.js';
import { DesiredStateService } from './services/desired-state.service.js';
import { DeviceService } from './services/device.service.js';
import { LanDeviceRepository } from './repositories/lan-device.repository.js';
import { LanDeviceService } from './services/lan-device.service.js';
import { LanService } from './services/lan.service.js';
import { LanSettingsService } from './services/lan-settings.service.js';
import { RemoteAccessRepository } from './repositories/remote-access.repository.js';
import { RemoteAccessService } from './services/remote-access.service.js';
import { RemoteDeviceRepository } from './repositories/remote-device.repository.js';
import { RemoteDeviceService } from './services/remote-device.service.js';
import { RemoteTrafficService } from './services/remote-traffic.service.js';
import { WireGuardKeyRepository } from './repositories/wireguard-key.repository.js';
import { EventRepository } from './repositories/event.repository.js';
import { EventService } from './services/event.service.js';
import { EventWebhookService } from './services/event-webhook.service.js';
import { ExitCheckService } from './services/exit-check.service.js';
import { FirmwareRepository } from './repositories/firmware.repository.js';
import { GatewayEventsService } from './services/gateway-events.service.js';
import { GatewayService } from './services/gateway.service.js';
import { GatewaySettingsService } from './services/gateway-settings.service.js';
import { HealthService } from './services/health.service.js';
import { HostRepository } from './repositories/host.repository.js';
import { LockoutService } from './services/lockout.service.js';
import { LoginAttemptRepository } from './repositories/login-attempt.repository.js';
import { MetricsRepository } from './repositories/metrics.repository.js';
import { MetricsService } from './services/metrics.service.js';
import { MetricsTokenRepository } from './repositories/metrics-token.repository.js';
import { MetricsTokenService } from './services/metrics-token.service.js';
import { NetworkInterfaceRepository } from './repositories/network-interface.repository.js';
import { PasswordHashRepository } from './repositories/password-hash.repository.js';
import { RecoveryCodeRepository } from './repositories/recovery-code.repository.js';
import { RestartCoordinator } from './server/restart-coordinator.js';
import { RestoreService } from './services/restore.service.js';
import { RestoreSnapshotRepository } from './repositories/restore-snapshot.repository.js';
import { RestoreWorkRepository } from './repositories/restore-work.repository.js';
import { SecuritySettingsService } from './services/security-settings.service.js';
import { SelfTestService } from './services/self-test.service.js';
import { ServerSecretRepository } from './repositories/server-secret.repository.js';
import { SessionRepository } from './repositories/session.repository.js';
import { SessionService } from './services/session.service.js';
import { SettingRepository } from './repositories/setting.repository.js';
import { SetupService } from './services/setup.service.js';
import { StatusHubService } from './services/status-hub.service.js';
import { StatusStreamService } from './services/status-stream.service.js';
import { SystemService } from './services/system.service.js';
import { TotpRepository } from './repositories/totp.repository.js';
import { TotpService } from './services/totp.service.js';
import { TrafficHistoryService } from './services/traffic-history.service.js';
import { TrafficSampleRepository } from './repositories/traffic-sample.repository.js';
import { TunnelProfileRepository } from './repositories/tunnel-profile.repository.js';
import { TunnelService } from './services/tunnel.service.js';
import { UserRepository } from './repositories/user.repository.js';
import { UserService } from './services/user.service.js';
import { WebhookRepository } from './repositories/webhook.repository.js';
import { FactoryResetRepository } from './repositories/factory-reset.repository.js';
import { FactoryResetService } from './services/factory-reset.service.js';
import { ConsolePasswordService } from './services/console-password.service.js';
import { BackgroundWork, type CoreRole } from './services/background-work.js';

const PROVIDERS = [
  ConsolePasswordService,
  FactoryResetRepository,
  FactoryResetService,
  AccountService,
  AuditService,
  AuthService,
  BackupSchedulerService,
  BackupService,
  BackupSettingsService,
  CertificateService,
  Clock,
  DeviceService,
  DesiredStateService,
  LanDeviceService,
  LanService,
  LanSettingsService,
  RemoteAccessService,
  RemoteDeviceService,
  RemoteTrafficService,
  EventService,
  EventWebhookService,
  GatewayEventsService,
  GatewayService,
  ExitCheckService,
  RestoreService,
  GatewaySettingsService,
  HealthService,
  LockoutService,
  MetricsService,
  MetricsTokenService,
  SecuritySettingsService,
  SessionService,
  SetupService,
  StatusHubService,
  StatusStreamService,
  SystemService,
  SelfTestService,
  TotpService,
  TrafficHistoryService,
  TunnelService,
  UserService,
  AuditRepository,
  BackupArchiveRepository,
  BackupRepository,
  CertificateFileRepository,
  CryptoRepository,
  DatabaseRepository,
  EventRepository,
  FirmwareRepository,
  HostRepository,
  LoginAttemptRepository,
  MetricsRepository,
  MetricsTokenRepository,
  NetworkInterfaceRepository,
  PasswordHashRepository,
  RecoveryCodeRepository,
  RestartCoordinator,
  RestoreSnapshotRepository,
  RestoreWorkRepository,
  ServerSecretRepository,
  SessionRepository,
  SettingRepository,
  TotpRepository,
  TrafficSampleRepository,
  TunnelProfileRepository,
  UserRepository,
  WebhookRepository,
  LanDeviceRepository,
  RemoteAccessRepository,
  RemoteDeviceRepository,
  WireGuardKeyRepository,
];

/**
 * The core both front ends build: the environment, the database, every repository and service. The HTTP server
 * (AppModule) adds routes, guards and the web page on top; the recovery console builds it alone as a Nest
 * application context, so a password reset or a restore there runs the very code the web page runs. Only the
 * server runs the background work (polling burrowd, schedules, pushing the desired state on start): two pollers
 * and two schedulers for one router would double what they do.
 */
@Global()
@Module({})
export class CoreModule {
  static forRoot(env: AppEnv, role: CoreRole): DynamicModule {
    return {
      module: CoreModule,
      imports: [EnvModule.forRoot(env), DatabaseModule],
      providers: [...PROVIDERS, { provide: BackgroundWork, useValue: new BackgroundWork(role) }],
      exports: [...PROVIDERS, BackgroundWork, EnvModule],
    };
  }
}
