import { TypeOrmModule } from '@nestjs/typeorm';
import { mkdir } from 'node:fs/promises';
import { AppEnv } from '../env.js';
import { dataSourceOptions } from './data-source.js';

/**
 * Opens (creating if needed) the database in the data directory and brings its schema up to date.
 * The directory is made private to the service user: the database will hold password hashes and keys.
 * One module value for the process: the data dir comes from the injected AppEnv, not from a parameter.
 */
export const DatabaseModule = TypeOrmModule.forRootAsync({
  inject: [AppEnv],
  useFactory: async ({ dataDir }: AppEnv) => {
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    return {
      ...dataSourceOptions(dataDir),
      // A local file that fails to open will not open on a retry; fail boot at once with the reason.
      toRetry: () => false,
    };
  },
});
