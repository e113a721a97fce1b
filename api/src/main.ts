// The API server: `node api/dist/main.js`. Configuration comes only from BURROW_* variables (see env.ts).
import 'reflect-metadata';
import { type AppEnv, EnvError, parseEnv } from './env.js';
import { createLogger, type Logger } from './logger.js';
import { ApiServer } from './server/api-server.js';
import { removeApiPidFile, writeApiPidFile } from './server/api-pid-file.js';

/** How long a clean shutdown may take before the process gives up on open connections. */
const SHUTDOWN_GRACE_MS = 10_000;

/** The environment, or undefined after telling the operator everything that is wrong with it. */
function readEnv(): AppEnv | undefined {
  try {
    return parseEnv(process.env);
  } catch (error) {
    if (error instanceof EnvError) {
      process.stderr.write(`burrow-api: ${error.message}\n`);
      return undefined;
    }
    throw error;
  }
}

async function start(env: AppEnv, logger: Logger): Promise<ApiServer> {
  const fail = failWith(logger);
  try {
    return await ApiServer.start(env, logger, { onRestartFailed: fail('could not start again after a restore') });
  } catch (error) {
    return fail('could not start')(error);
  }
}

function failWith(logger: Logger) {
  // pino writes stdout synchronously, so the line is out before the exit; exiting outright also
  // covers a half-opened database handle that would otherwise keep the process alive.
  return (message: string) => (error: unknown) => {
    logger.fatal({ err: error }, message);
    process.exit(1);
  };
}

function stopOnSignals(server: ApiServer, logger: Logger): void {
  const stop = (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'stopping');
    setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, SHUTDOWN_GRACE_MS).unref();
    // Closing the server and the database lets the event loop empty, so the process exits 0 by itself.
    server
      .close()
      .then(() => removeApiPidFile(server.dataDir))
      .then(
        () => logger.info('stopped'),
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          process.exitCode = 1;
        },
      );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

/**
 * SIGHUP: the recovery console (or `systemctl reload`) changed something this process holds in memory, or staged a
 * restore: restart in-process, which applies the staged restore and reads everything afresh on the same ports.
 */
function restartOnHangup(server: ApiServer, logger: Logger, fail: (error: unknown) => void): void {
  process.on('SIGHUP', () => {
    logger.info({ signal: 'SIGHUP' }, 'restarting to pick up changes made beside the web page');
    server.restart().catch(fail);
  });
}

const env = readEnv();
if (env === undefined) {
  process.exitCode = 1;
} else {
  const logger = createLogger(env.logLevel);
  const server = await start(env, logger);
  logger.info({ url: server.listening.httpsUrl, redirectFrom: server.listening.httpUrl }, 'listening');
  stopOnSignals(server, logger);
  restartOnHangup(server, logger, failWith(logger)('could not start again after SIGHUP'));
  await writeApiPidFile(env.dataDir);
}
