// A private in-memory SQLite database with every migration applied, for service tests that need the real
// SQL (guarded updates, upserts) without a file or an HTTP server.
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../database/data-source.js';

export async function openMemoryDatabase(): Promise<DataSource> {
  const dataSource = new DataSource({
    ...dataSourceOptions('.'),
    database: ':memory:',
    enableWAL: false,
    migrationsRun: true,
  });
  await dataSource.initialize();
  return dataSource;
}
