import { join } from 'node:path';
import { type DataSourceOptions } from 'typeorm';
import { SettingEntity } from '../entities/setting.entity.js';
import { migrations } from '../migrations/index.js';

export const DATABASE_FILE = 'burrow.db';

/** How the API opens its SQLite file inside the data directory. Schema changes only through migrations. */
export function dataSourceOptions(dataDir: string): DataSourceOptions {
  return {
    type: 'sqlite',
    database: join(dataDir, DATABASE_FILE),
    entities: [SettingEntity],
    migrations,
    migrationsRun: true,
    migrationsTransactionMode: 'each',
    synchronize: false,
    // WAL lets the recovery console read while the API writes.
    enableWAL: true,
    busyTimeout: 5000,
  };
}
