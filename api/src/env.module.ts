import { type DynamicModule, Global, Module } from '@nestjs/common';
import { AppEnv } from './env.js';

/** Makes the validated environment injectable everywhere, including in library modules' factories. */
@Global()
@Module({})
export class EnvModule {
  static forRoot(env: AppEnv): DynamicModule {
    return { module: EnvModule, providers: [{ provide: AppEnv, useValue: env }], exports: [AppEnv] };
  }
}
