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
import { LanController } from './controllers/lan.controller.js';
import { RemoteAccessController } from './controllers/remote-access.controller.js';
import { UserController } from './controllers/user.controller.js';
import { type AppEnv } from './env.js';
import { CoreModule } from './core.module.js';
import { AuthGuard } from './middleware/auth.guard.js';

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
        CoreModule.forRoot(env, 'server'),
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
        RemoteAccessController,
        LanController,
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
      ],
    };
  }
}
