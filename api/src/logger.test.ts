import test from 'ava';
import { Writable } from 'node:stream';
import { createLogger, NestPinoLogger } from './logger.js';

function capture(level: Parameters<typeof createLogger>[0] = 'trace') {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: createLogger(level, stream) };
}

test('log lines are JSON with the service name, level and message', (t) => {
  const { lines, logger } = capture('info');
  logger.info({ url: 'http://127.0.0.1:1' }, 'listening');
  logger.debug('hidden below the level');
  t.is(lines.length, 1);
  t.like(lines[0], { level: 30, service: 'burrow-api', url: 'http://127.0.0.1:1', msg: 'listening' });
});

test("Nest's start-up chatter goes to debug, with the class that logged it", (t) => {
  const { lines, logger } = capture();
  new NestPinoLogger(logger).log('Mapped {/api/health, GET} route', 'RouterExplorer');
  t.like(lines[0], { level: 20, msg: 'Mapped {/api/health, GET} route', context: 'RouterExplorer' });
});

test("the API's own classes log() as information, with their name", (t) => {
  const { lines, logger } = capture();
  new NestPinoLogger(logger).log('created the router CA', 'CertificateService');
  t.like(lines[0], { level: 30, msg: 'created the router CA', context: 'CertificateService' });
});

test("Nest's errors keep their stack and context", (t) => {
  const { lines, logger } = capture();
  const nest = new NestPinoLogger(logger);
  nest.error('Unable to connect to the database.', 'Error: SQLITE_NOTADB\n    at open', 'TypeOrmModule');
  nest.error('just a message', 'ExceptionsHandler');
  t.like(lines[0], {
    level: 50,
    msg: 'Unable to connect to the database.',
    stack: 'Error: SQLITE_NOTADB\n    at open',
    context: 'TypeOrmModule',
  });
  t.like(lines[1], { level: 50, msg: 'just a message', context: 'ExceptionsHandler' });
  t.false('stack' in (lines[1] ?? {}));
});

test('warn, verbose and fatal map onto pino levels', (t) => {
  const { lines, logger } = capture();
  const nest = new NestPinoLogger(logger);
  nest.warn('w');
  nest.verbose('v');
  nest.fatal('f');
  t.deepEqual(
    lines.map((line) => line.level),
    [40, 10, 60],
  );
});

test('fields that hold secrets are censored, at the top and one level down', (t) => {
  const { lines, logger } = capture();
  logger.info({ password: 'hunter2hunter2', body: { totp: '123456', username: 'alice' }, err: { parameters: ['x'] } });
  t.like(lines[0], { password: '[redacted]', body: { totp: '[redacted]', username: 'alice' } });
  t.false(JSON.stringify(lines).includes('hunter2hunter2'));
  t.false(JSON.stringify(lines).includes('123456'));
});
