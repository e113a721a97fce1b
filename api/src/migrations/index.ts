// Every schema change, oldest first. TypeORM records which have run in the `migrations` table and runs
// the rest at boot, each in its own transaction. Add a migration here when an entity changes; never edit one that shipped.
import { type MigrationInterface } from 'typeorm';
import { CreateSettings1763800000000 } from './1763800000000-create-settings.js';
import { CreateUsersSessionsAudit1764000000000 } from './1764000000000-create-users-sessions-audit.js';
import { UsernameSkeleton1764100000000 } from './1764100000000-username-skeleton.js';
import { LockoutDevicesAuditFailures1765000000000 } from './1765000000000-lockout-devices-audit-failures.js';
import { CreateTunnelProfiles1765200000000 } from './1765200000000-create-tunnel-profiles.js';
import { CreateTrafficSamples1765300000000 } from './1765300000000-create-traffic-samples.js';
import { CreateMetricsTokens1765400000000 } from './1765400000000-create-metrics-tokens.js';
import { CreateEvents1765500000000 } from './1765500000000-create-events.js';
import { AuditOrigin1765700000000 } from './1765700000000-audit-origin.js';
import { CreateBackups1765600000000 } from './1765600000000-create-backups.js';
import { PasswordMustChange1765800000000 } from './1765800000000-password-must-change.js';
import { CreateHouseholdDevices1765900000000 } from './1765900000000-create-household-devices.js';
import { TrafficSampleSeries1766000000000 } from './1766000000000-traffic-sample-series.js';

export const migrations: Array<new () => MigrationInterface> = [
  CreateSettings1763800000000,
  CreateUsersSessionsAudit1764000000000,
  UsernameSkeleton1764100000000,
  LockoutDevicesAuditFailures1765000000000,
  CreateTunnelProfiles1765200000000,
  CreateTrafficSamples1765300000000,
  CreateMetricsTokens1765400000000,
  CreateEvents1765500000000,
  CreateBackups1765600000000,
  AuditOrigin1765700000000,
  PasswordMustChange1765800000000,
  CreateHouseholdDevices1765900000000,
  TrafficSampleSeries1766000000000,
];
