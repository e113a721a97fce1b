// The recovery console's core: a child process, run as the API's user (so every file it writes in the data dir is
// the API's), that opens the API's CoreModule without HTTP and answers the screen's calls one at a time. It sits
// in a process group of its own, so a Ctrl-C or a lost terminal reaches the screen but never interrupts an action
// here; when the screen goes, the action under way finishes and then the worker exits.
import 'reflect-metadata';
import { type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { applyStagedRestore } from '../../backups/restore-journal.js';
import { CoreModule } from '../../core.module.js';
import { parseEnv } from '../../env.js';
import { createLogger, NestPinoLogger } from '../../logger.js';
import { DomainError } from '../../services/domain-error.js';
import { FactoryResetService } from '../../services/factory-reset.service.js';
import { ConsoleActionError, type ConsoleBackend } from '../backend.js';
import { restartRunningApi, runningApiPid } from './api-process.js';
import { ConsoleCore } from './console-core.js';
import { type CoreAnswer, type CoreReady, isCoreCall } from './rpc.js';

/** The calls the screen may make: ConsoleBackend's methods, nothing else of the core object. */
const METHODS = new Set<string>([
  'header',
  'statusDetails',
  'listUsers',
  'resetAdminPassword',
  'disableTwoFactor',
  'listStoredBackups',
  'previewStoredBackup',
  'previewBackupFile',
  'applyRestore',
  'factoryReset',
  'disarmKillSwitch',
  'rearmKillSwitch',
  'reissueCertificate',
  'resetAuthority',
  'shellPasswordSet',
  'checkShellPassword',
  'recordConsoleEvent',
  'tunnelHandshake',
] satisfies (keyof ConsoleBackend)[]);

const env = parseEnv(process.env);
// The screen owns the terminal: the core logs to a file beside the API's data, as the API's user.
mkdirSync(env.dataDir, { recursive: true, mode: 0o700 });
const logger = createLogger(
  env.logLevel,
  createWriteStream(join(env.dataDir, 'console.log'), { flags: 'a', mode: 0o600 }),
);

let app: INestApplicationContext | null = null;
let core: ConsoleCore | null = null;
let queue: Promise<void> = Promise.resolve();

async function open(): Promise<ConsoleCore> {
  if (core !== null) {
    return core;
  }
  // With no API running, nobody else will apply a staged restore before this process opens the database.
  if ((await runningApiPid(env.dataDir)) === null) {
    const outcome = await applyStagedRestore(env.dataDir);
    if (outcome !== 'none') {
      logger.info({ restore: outcome }, 'applied a staged restore (no web service was running)');
    }
  }
  app = await NestFactory.createApplicationContext(CoreModule.forRoot(env, 'console'), {
    logger: new NestPinoLogger(logger),
    abortOnError: false,
  });
  // A factory reset applied just now (by this process or the API) goes in the new audit log once.
  await app.get(FactoryResetService).recordCompleted();
  core = new ConsoleCore(app, env, {
    staged: () => afterStaging(),
    certificatesChanged: () => afterCertificates(),
    apiRunning: async () => (await runningApiPid(env.dataDir)) !== null,
  });
  return core;
}

async function close(): Promise<void> {
  const closing = app;
  app = null;
  core = null;
  await closing?.close();
}

/** A restore or a reset is staged: let go of the database, then have it applied. */
async function afterStaging(): Promise<string[]> {
  await close();
  if (await restartRunningApi(env.dataDir)) {
    return ['The web service is restarting to apply it; the web page is back in a few seconds.'];
  }
  // open() applies it, as the API would at its next start.
  await open();
  return ['The web service is not running: the configuration was applied here, and it starts with it.'];
}

async function afterCertificates(): Promise<string[]> {
  return (await restartRunningApi(env.dataDir))
    ? ['The web service restarted to serve it; reload the web page.']
    : ['The web service is not running: it serves the new certificate when it starts.'];
}

function answerOf(id: number, error: unknown): CoreAnswer {
  if (error instanceof DomainError || error instanceof ConsoleActionError) {
    return { id, ok: false, code: error.code, message: error.message };
  }
  logger.error({ err: error }, 'a console action failed');
  const message = error instanceof Error ? error.message : String(error);
  return { id, ok: false, code: 'internal', message: `It did not work: ${message} (details in console.log)` };
}

process.on('message', (message: unknown) => {
  if (!isCoreCall(message)) {
    return;
  }
  const { id, method, args } = message;
  queue = queue.then(async () => {
    let answer: CoreAnswer;
    if (!METHODS.has(method)) {
      answer = { id, ok: false, code: 'invalid', message: `no console action ${method}` };
    } else {
      try {
        const target = await open();
        const call = (...values: unknown[]) =>
          (
            target[method as keyof ConsoleBackend] as (this: ConsoleBackend, ...rest: unknown[]) => Promise<unknown>
          ).apply(target, values);
        answer = { id, ok: true, value: (await call(...args)) ?? null };
      } catch (error) {
        answer = answerOf(id, error);
      }
    }
    if (process.connected) {
      process.send?.(answer);
    }
  });
});

// The screen went (closed, killed, its terminal lost): finish what is under way, close the database, leave.
process.on('disconnect', () => {
  void queue.then(close).finally(() => process.exit(0));
});
// Signals meant for the screen never stop an action half-way.
for (const signal of ['SIGINT', 'SIGHUP', 'SIGTERM'] as const) {
  process.on(signal, () => logger.info({ signal }, 'finishing the current action before anything else'));
}

try {
  await open();
  process.send?.({ ready: true } satisfies CoreReady);
} catch (error) {
  logger.error({ err: error }, 'the console could not open the configuration');
  const message = error instanceof Error ? error.message : String(error);
  process.send?.({ ready: false, message } satisfies CoreReady);
}
