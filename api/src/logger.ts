// One JSON log stream for the whole process: our own lines, Nest's, and one line per request.
import { type LoggerService } from '@nestjs/common';
import { pino, type DestinationStream, type Logger } from 'pino';
import { type LogLevel } from './env.js';

export type { Logger } from 'pino';

/**
 * Field names that hold secrets, censored wherever they appear at the top level or one level down. Nothing
 * is meant to log them; this is the net under that rule. `err.parameters` is TypeORM's bound query values.
 */
const SECRET_FIELDS = [
  'password',
  'currentPassword',
  'newPassword',
  'totp',
  'csrfToken',
  'token',
  'secret',
  'recoveryCodes',
];
export const REDACTED_PATHS = [
  ...SECRET_FIELDS,
  ...SECRET_FIELDS.map((field) => `*.${field}`),
  'err.parameters',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
];

/** Writes JSON lines to stdout, or to `destination` (tests read it back). */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  const options = { level, base: { service: 'burrow-api' }, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } };
  return destination === undefined ? pino(options) : pino(options, destination);
}

// The Nest classes whose `log()` is start-up chatter (modules loaded, routes mapped, instances created).
const NEST_CHATTER = new Set([
  'NestFactory',
  'NestApplication',
  'InstanceLoader',
  'InstanceWrapper',
  'InjectorLogger',
  'RoutesResolver',
  'RouterExplorer',
]);

/**
 * Routes Nest's logging into pino. `log()` is information when the API's own classes call it, and debug for Nest's
 * start-up chatter (or without a context); warnings and errors keep their level.
 */
export class NestPinoLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...params: unknown[]): void {
    const context = fields(params);
    if (context.context === undefined || NEST_CHATTER.has(context.context)) {
      this.logger.debug(context, text(message));
    } else {
      this.logger.info(context, text(message));
    }
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.logger.warn(fields(params), text(message));
  }

  // Nest calls error(message, context) or error(message, stack, context).
  error(message: unknown, ...params: unknown[]): void {
    const stack = params.length >= 2 ? params[0] : message instanceof Error ? message.stack : undefined;
    this.logger.error({ ...fields(params), ...(typeof stack === 'string' ? { stack } : {}) }, text(message));
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.logger.fatal(fields(params), text(message));
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.logger.debug(fields(params), text(message));
  }

  verbose(message: unknown, ...params: unknown[]): void {
    this.logger.trace(fields(params), text(message));
  }
}

/** Nest passes the context (the class that logged) as the last string parameter. */
function fields(params: unknown[]): { context?: string } {
  const context = params.at(-1);
  return typeof context === 'string' ? { context } : {};
}

function text(message: unknown): string {
  if (typeof message === 'string') {
    return message;
  }
  if (message instanceof Error) {
    return message.message;
  }
  return JSON.stringify(message) ?? String(message);
}
