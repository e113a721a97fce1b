import { type DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ServeStaticModule } from '@nestjs/serve-static';
import { AccountController } from './controllers/account.controller.js';
import { AuditController } from './controllers/audit.controller.js';
import { AuthController } from './controllers/auth.controller.js';
import { BackupController } from './controllers/backup.controller.js';
import { RestoreController } from './controllers/restore.controller.js';
import { CertificateController } from './controllers/certificate.controller.js';
import { EventController } from './controllers/event.controller.js';
import { GatewayController } from './controllers/gateway.controller.js';
import { HealthController } from './controllers/health.controller.js';
import { MetricsTokenController } from './controllers/metrics-token.controller.js';
import { MetricsController } from './controllers/metrics.controller.js';
import { SecuritySettingsController } from './controllers/security-settings.controller.js';
import { SessionController } from './controllers/session.controller.js';
import { SetupController } from './controllers/setup.controller.js';
import { SelfTestController } from './controllers/self-test.controller.js';
import { StatusController } from './controllers/status.controller.js';
import { SystemController } from './controllers/system.controller.js';
import { TunnelController } from './controllers/tunnel.controller.js';
import { UserController } from './controllers/user.controller.js';
import { DatabaseModule } from './database/database.module.js';
import { type AppEnv } from './env.js';
import { EnvModule } from './env.module.js';
import { AuthGuard } from './middleware/auth.guard.js';
import { AuditRepository } from './repositories/audit.repository.js';
import { BackupArchiveRepository } from './repositories/backup-archive.repository.js';
import { BackupRepository } from './repositories/backup.repository.js';
import { CertificateFileRepository } from './repositories/certificate-file.repository.js';
import { CryptoRepository } from './repositories/crypto.repository.js';
import { DatabaseRepository } from './repositories/database.repository.js';
import { EventRepository } from './repositories/event.repository.js';
import { FirmwareRepository } from './repositories/firmware.repository.js';
import { HostRepository } from './repositories/host.repository.js';
import { LoginAttemptRepository } from './repositories/login-attempt.repository.js';
import { MetricsTokenRepository } from './repositories/metrics-token.repository.js';
import { MetricsRepository } from './repositories/metrics.repository.js';
import { NetworkInterfaceRepository } from './repositories/network-interface.repository.js';
import { PasswordHashRepository } from './repositories/password-hash.repository.js';
import { RecoveryCodeRepository } from './repositories/recovery-code.repository.js';
import { ServerSecretRepository } from './repositories/server-secret.repository.js';
import { SessionRepository } from './repositories/session.repository.js';
import { SettingRepository } from './repositories/setting.repository.js';
import { TotpRepository } from './repositories/totp.repository.js';
import { TrafficSampleRepository } from './repositories/traffic-sample.repository.js';
import { TunnelProfileRepository } from './repositories/tunnel-profile.repository.js';
import { UserRepository } from './repositories/user.repository.js';
import { WebhookRepository } from './repositories/webhook.repository.js';
import { RestartCoordinator } from './server/restart-coordinator.js';
import { RestoreSnapshotRepository } from './repositories/restore-snapshot.repository.js';
import { RestoreWorkRepository } from './repositories/restore-work.repository.js';
import { RestoreService } from './services/restore.service.js';
import { AccountService } from './services/account.service.js';
import { AuditService } from './services/audit.service.js';
import { AuthService } from './services/auth.service.js';
import { BackupSchedulerService } from './services/backup-scheduler.service.js';
import { BackupSettingsService } from './services/backup-settings.service.js';
import { BackupService } from './services/backup.service.js';
import { CertificateService } from './services/certificate.service.js';
import { Clock } from './services/clock.js';
import { ConsolePasswordService } from './services/console-password.service.js';
import { DeviceService } from './services/device.service.js';
import { DesiredStateService } from './services/desired-state.service.js';
import { EventWebhookService } from './services/event-webhook.service.js';
import { EventService } from './services/event.service.js';
import { GatewayEventsService } from './services/gateway-events.service.js';
import { GatewaySettingsService } from './services/gateway-settings.service.js';
import { ExitCheckService } from './services/exit-check.service.js';
import { GatewayService } from './services/gateway.service.js';
import { HealthService } from './services/health.service.js';
import { LockoutService } from './services/lockout.service.js';
import { MetricsTokenService } from './services/metrics-token.service.js';
import { MetricsService } from './services/metrics.service.js';
import { SecuritySettingsService } from './services/security-settings.service.js';
import { SessionService } from './services/session.service.js';
import { SetupService } from './services/setup.service.js';
import { SelfTestService } from './services/self-test.service.js';
import { StatusHubService } from './services/status-hub.service.js';
import { StatusStreamService } from './services/status-stream.service.js';
import { SystemService } from './services/system.service.js';
import { TotpService } from './services/totp.service.js';
import { TrafficHistoryService } from './services/traffic-history.service.js';
import { TunnelService } from './services/tunnel.service.js';
import { UserService } from './services/user.service.js';

export interface AppModuleOptions {
  /** Serve the built web page from `env.uiDir` for every path outside the API. */
  serveUi: boolean;
}

// Paths the page's history fallback must never answer: the API's own 404s stay JSON.
const NOT_THE_PAGE = /^\/(?:api|metrics)(?:\/|$)/;

@Module({})
export class AppModule {
  static forRoot(env: AppEnv, { serveUi }: AppModuleOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        EnvModule.forRoot(env),
        DatabaseModule,
        ...(serveUi ? [ServeStaticModule.forRoot({ rootPath: env.uiDir, exclude: NOT_THE_PAGE })] : []),
      ],
      controllers: [
        HealthController,
        SystemController,
        SelfTestController,
        SetupController,
        AuthController,
        SessionController,
        AccountController,
        UserController,
        SecuritySettingsController,
        AuditController,
        CertificateController,
        TunnelController,
        GatewayController,
        StatusController,
        MetricsController,
        MetricsTokenController,
        EventController,
        BackupController,
        RestoreController,
      ],
      providers: [
        // Every route passes this guard; a route that declares no permission fails.
        { provide: APP_GUARD, useClass: AuthGuard },
        AccountService,
        AuditService,
        AuthService,
        BackupSchedulerService,
        BackupService,
        BackupSettingsService,
        CertificateService,
        Clock,
        ConsolePasswordService,
        DeviceService,
        DesiredStateService,
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
      ],
    };
  }
}
