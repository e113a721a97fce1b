import { type DynamicModule, Module } from '@nestjs/common';
import { ServeStaticModule } from '@nestjs/serve-static';
import { HealthController } from './controllers/health.controller.js';
import { SystemController } from './controllers/system.controller.js';
import { DatabaseModule } from './database/database.module.js';
import { type AppEnv } from './env.js';
import { EnvModule } from './env.module.js';
import { DatabaseRepository } from './repositories/database.repository.js';
import { FirmwareRepository } from './repositories/firmware.repository.js';
import { HostRepository } from './repositories/host.repository.js';
import { NetworkInterfaceRepository } from './repositories/network-interface.repository.js';
import { HealthService } from './services/health.service.js';
import { SystemService } from './services/system.service.js';

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
      controllers: [HealthController, SystemController],
      providers: [
        HealthService,
        SystemService,
        DatabaseRepository,
        FirmwareRepository,
        HostRepository,
        NetworkInterfaceRepository,
      ],
    };
  }
}
