import { join } from 'node:path';
import { type SqliteConnectionOptions } from 'typeorm/driver/sqlite/SqliteConnectionOptions.js';
import { AuditEventEntity } from '../entities/audit-event.entity.js';
import { BackupEntity } from '../entities/backup.entity.js';
import { LanDeviceEntity } from '../entities/lan-device.entity.js';
import { RemoteAccessEntity } from '../entities/remote-access.entity.js';
import { RemoteDeviceEntity } from '../entities/remote-device.entity.js';
import { EventEntity } from '../entities/event.entity.js';
import { LoginAttemptEntity } from '../entities/login-attempt.entity.js';
import { MetricsTokenEntity } from '../entities/metrics-token.entity.js';
import { RecoveryCodeEntity } from '../entities/recovery-code.entity.js';
import { SessionEntity } from '../entities/session.entity.js';
import { SettingEntity } from '../entities/setting.entity.js';
import { TrafficSampleEntity } from '../entities/traffic-sample.entity.js';
import { TunnelProfileEntity } from '../entities/tunnel-profile.entity.js';
import { UserEntity } from '../entities/user.entity.js';
import { migrations } from '../migrations/index.js';

export const DATABASE_FILE = 'burrow.db';

/** How the API opens its SQLite file inside the data directory. Schema changes only through migrations. */
export function dataSourceOptions(dataDir: string): SqliteConnectionOptions {
  return {
    type: 'sqlite',
    database: join(dataDir, DATABASE_FILE),
    entities: [
      SettingEntity,
      UserEntity,
      SessionEntity,
      RecoveryCodeEntity,
      LoginAttemptEntity,
      AuditEventEntity,
      TunnelProfileEntity,
      MetricsTokenEntity,
      TrafficSampleEntity,
      EventEntity,
      BackupEntity,
      RemoteAccessEntity,
      RemoteDeviceEntity,
      LanDeviceEntity,
    ],
    migrations,
    migrationsRun: true,
    migrationsTransactionMode: 'each',
    synchronize: false,
    // WAL lets the recovery console read while the API writes.
    enableWAL: true,
    busyTimeout: 5000,
  };
}
