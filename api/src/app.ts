// Builds the configured Nest application; main.ts makes it listen, medium tests drive it in-process.
import { ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { type NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import { type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { AppModule } from './app.module.js';
import { applyStagedRestore, type RestoreOutcome } from './backups/restore-journal.js';
import { type AppEnv } from './env.js';
import { NestPinoLogger, type Logger } from './logger.js';
import { AllExceptionsFilter } from './middleware/all-exceptions.filter.js';
import { JSON_BODY_LIMIT_KIB, refuseDeepJson } from './middleware/body-limit.js';
import { httpsOnly } from './middleware/https-only.js';
import { requestLogger } from './middleware/request-logger.js';
import { buildOpenApiDocument, OPENAPI_PATH } from './openapi.js';
import { isErrno } from './repositories/errno.js';
import { FactoryResetService } from './services/factory-reset.service.js';

/**
 * Applies a staged restore, opens the database (running pending migrations) and wires every route; does not listen.
 */
export async function createApp(env: AppEnv, logger: Logger): Promise<NestExpressApplication> {
  // Before anything opens the database: a restore staged by the last run goes in whole (see restore-journal.ts).
  logRestore(logger, await applyStagedRestore(env.dataDir));
  const serveUi = await isUiBuilt(env.uiDir);
  if (!serveUi) {
    logger.warn({ uiDir: env.uiDir }, 'no built web page found; serving the API only');
  }
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(env, { serveUi }), {
    logger: new NestPinoLogger(logger),
    // Fail with an exception the caller can report, instead of Nest aborting the process.
    abortOnError: false,
    // JSON is the only body the API reads (see configureApp): no urlencoded or other parsers.
    bodyParser: false,
  });
  configureApp(app, env, logger);
  await recordFactoryReset(app, logger);
  return app;
}

/** After a factory reset, the new database's audit log says so; the box starts even if it cannot be recorded. */
async function recordFactoryReset(app: NestExpressApplication, logger: Logger): Promise<void> {
  try {
    await app.get(FactoryResetService).recordCompleted();
  } catch (error) {
    logger.error({ err: error }, 'the factory reset could not be recorded in the audit log');
  }
}

/**
 * The HTTP pipeline around the routes. Controllers carry the `api/` prefix in their own paths rather
 * than through a global prefix: that way Nest's JSON 404 handler covers every path, including `/api`
 * itself and anything the web page fallback declines.
 */
function configureApp(app: NestExpressApplication, env: AppEnv, logger: Logger): void {
  // X-Forwarded-For/-Proto/-Host count only when the socket peer is a configured proxy; otherwise the
  // client address is the socket's, whatever headers say.
  app.set('trust proxy', env.trustedProxies.length > 0 ? [...env.trustedProxies] : false);
  // First, so every response (static files, 404s, body-parser errors) carries a request id.
  app.use(requestLogger(logger));
  app.use(httpsOnly(env.httpsPort));
  app.use(
    helmet({
      // No inline scripts or styles anywhere: the UI's build emits files only, so 'self' is all it needs.
      contentSecurityPolicy: {
        directives: { styleSrc: ["'self'"], imgSrc: ["'self'", 'data:'], frameAncestors: ["'none'"] },
      },
      xFrameOptions: { action: 'deny' },
      referrerPolicy: { policy: 'no-referrer' },
      // No HSTS: after a factory reset the router has a new CA, and a browser that remembered HSTS for
      // burrow.lan would then refuse the page with no way past the warning. Plain HTTP redirects anyway.
      strictTransportSecurity: false,
    }),
  );
  // API answers hold sessions' users, CSRF tokens and settings: no browser or proxy cache may keep them, nor the
  // figures of a scrape. The CA downloads say the same on their own. Routes may still set their own Cache-Control.
  app.use(['/api', '/metrics'], (_request: Request, response: Response, next: NextFunction) => {
    response.setHeader('Cache-Control', 'no-store');
    next();
  });
  // Form posts are never parsed, so the guard can refuse them as the classic cross-site forgery they are.
  app.useBodyParser('json', { limit: `${JSON_BODY_LIMIT_KIB}kb` });
  // Before validation, whose recursive walk would overflow the stack on a body nested thousands deep.
  app.use(refuseDeepJson);
  app.useGlobalPipes(new ValidationPipe({ transform: true, whitelist: true, forbidNonWhitelisted: true }));
  app.useGlobalFilters(new AllExceptionsFilter(logger));
  SwaggerModule.setup(OPENAPI_PATH, app, () => buildOpenApiDocument(app), {
    ui: false,
    raw: ['json'],
    jsonDocumentUrl: OPENAPI_PATH,
  });
}

function logRestore(logger: Logger, outcome: RestoreOutcome): void {
  if (outcome === 'applied') {
    logger.info({ restore: outcome }, 'applied the staged restore');
  } else if (outcome === 'resumed') {
    logger.warn({ restore: outcome }, 'finished a staged restore that a crash had interrupted');
  } else if (outcome === 'reset') {
    logger.warn({ restore: outcome }, 'applied the staged factory reset: the configuration is wiped');
  } else if (outcome === 'reset-resumed') {
    logger.warn({ restore: outcome }, 'finished a staged factory reset that a crash had interrupted');
  } else if (outcome === 'discarded') {
    logger.warn(
      { restore: outcome },
      'removed a restore that was never completely staged; the configuration is unchanged',
    );
  }
}

async function isUiBuilt(uiDir: string): Promise<boolean> {
  try {
    await access(join(uiDir, 'index.html'));
    return true;
  } catch (error) {
    if (isErrno(error, 'ENOENT', 'ENOTDIR')) {
      return false;
    }
    throw error;
  }
}
