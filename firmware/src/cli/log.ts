// Log lines for the command-line daemons, on stderr, with wireguard-go's LOG_LEVEL values: silent, error,
// verbose (debug lines too); anything else means the default, which shows info and errors.
import { type EngineLog } from '../engine/context.js';

const LEVELS = { silent: 0, error: 1, info: 2, verbose: 3 } as const;

export function stderrLog(
  tag: string,
  levelName = process.env['LOG_LEVEL'] ?? 'info',
): EngineLog & { error(message: string): void } {
  const level = LEVELS[levelName as keyof typeof LEVELS] ?? LEVELS.info;
  const write = (label: string, message: string) =>
    process.stderr.write(`${new Date().toISOString()} ${tag} ${label}: ${message}\n`);
  return {
    error: (message) => level >= LEVELS.error && write('error', message),
    warn: (message) => level >= LEVELS.error && write('warn', message),
    info: (message) => level >= LEVELS.info && write('info', message),
    debug: (message) => level >= LEVELS.verbose && write('debug', message),
  };
}
