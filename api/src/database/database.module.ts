import { TypeOrmModule } from '@nestjs/typeorm';
import { chmod, mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import { AppEnv } from '../env.js';
import { isErrno } from '../repositories/errno.js';
import { DATABASE_FILE, dataSourceOptions } from './data-source.js';

/**
 * Opens (creating if needed) the database in the data directory and brings its schema up to date.
 * The directory and the database are made private to the service user whatever the umask: the database holds
 * password hashes and two-factor secrets.
 * One module value for the process: the data dir comes from the injected AppEnv, not from a parameter.
 */
export const DatabaseModule = TypeOrmModule.forRootAsync({
  inject: [AppEnv],
  useFactory: async ({ dataDir }: AppEnv) => {
    await makePrivate(dataDir);
    return {
      ...dataSourceOptions(dataDir),
      // A local file that fails to open will not open on a retry; fail boot at once with the reason.
      toRetry: () => false,
    };
  },
});

/**
 * The data dir 0700 (mkdir leaves an existing directory's mode alone), and the database 0600. SQLite would create
 * its file 0644, and it gives the -wal and -shm files the mode of the database file, so the file is created 0600
 * before SQLite opens it; files a looser earlier run left behind are tightened too.
 */
async function makePrivate(dataDir: string): Promise<void> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  await chmod(dataDir, 0o700);
  const database = join(dataDir, DATABASE_FILE);
  await (await open(database, 'a', 0o600)).close();
  for (const file of [database, `${database}-wal`, `${database}-shm`]) {
    try {
      await chmod(file, 0o600);
    } catch (error) {
      if (!isErrno(error, 'ENOENT')) {
        throw error;
      }
    }
  }
}
