// The API server: `node api/dist/main.js`. Configuration comes only from BURROW_* variables (see env.ts).
import 'reflect-metadata';
import { createApp } from './app.js';
import { type AppEnv, EnvError, parseEnv } from './env.js';
import { createLogger, type Logger } from './logger.js';
import { listen, type Listening } from './server/listen.js';

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

async function start(env: AppEnv, logger: Logger): Promise<Listening> {
  try {
    const app = await createApp(env, logger);
    return await listen(app, { host: env.httpHost, httpPort: env.httpPort, httpsPort: env.httpsPort });
  } catch (error) {
    // pino writes stdout synchronously, so the line is out before the exit; exiting outright also
    // covers a half-opened database handle that would otherwise keep the process alive.
    logger.fatal({ err: error }, 'could not start');
    process.exit(1);
  }
}

function stopOnSignals(app: Listening, logger: Logger): void {
  const stop = (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'stopping');
    setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, SHUTDOWN_GRACE_MS).unref();
    // Closing the server and the database lets the event loop empty, so the process exits 0 by itself.
    app.close().then(
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

const env = readEnv();
if (env === undefined) {
  process.exitCode = 1;
} else {
  const logger = createLogger(env.logLevel);
  const app = await start(env, logger);
  logger.info({ url: app.httpsUrl, redirectFrom: app.httpUrl }, 'listening');
  stopOnSignals(app, logger);
}
