import test from 'ava';
import { AppEnv, EnvError, parseEnv } from './env.js';

const CWD = '/srv/burrow';

function problemsOf(vars: Record<string, string | undefined>): readonly string[] {
  try {
    parseEnv(vars, CWD);
  } catch (thrown) {
    if (thrown instanceof EnvError) {
      return thrown.problems;
    }
    throw thrown;
  }
  throw new Error('parseEnv accepted the environment');
}

test('only the data dir is required; everything else has a default', (t) => {
  const env = parseEnv({ BURROW_DATA_DIR: '/data' }, CWD);
  t.true(env instanceof AppEnv);
  t.is(env.dataDir, '/data');
  t.is(env.httpHost, '127.0.0.1');
  t.is(env.httpPort, 8080);
  t.is(env.httpsPort, 8443);
  t.is(env.logLevel, 'info');
  t.is(env.firmwareSocket, '/run/burrow/burrowd.sock');
  t.regex(env.uiDir, /\/ui\/dist$/);
  t.deepEqual(env.trustedProxies, []);
});

test('relative paths are resolved against the working directory', (t) => {
  const env = parseEnv({ BURROW_DATA_DIR: './var', BURROW_UI_DIR: '../ui', BURROW_FIRMWARE_SOCKET: 'run/b.sock' }, CWD);
  t.is(env.dataDir, '/srv/burrow/var');
  t.is(env.uiDir, '/srv/ui');
  t.is(env.firmwareSocket, '/srv/burrow/run/b.sock');
});

test('every setting can be given', (t) => {
  const env = parseEnv(
    {
      BURROW_DATA_DIR: '/data',
      BURROW_HTTP_HOST: '::',
      BURROW_HTTP_PORT: '80',
      BURROW_HTTPS_PORT: '443',
      BURROW_LOG_LEVEL: 'debug',
      BURROW_UI_DIR: '/opt/burrow/ui',
      BURROW_FIRMWARE_SOCKET: '/run/x.sock',
      BURROW_TRUSTED_PROXIES: '10.0.0.1, fd00::/8',
    },
    CWD,
  );
  t.deepEqual(
    { ...env },
    {
      dataDir: '/data',
      httpHost: '::',
      httpPort: 80,
      httpsPort: 443,
      logLevel: 'debug',
      uiDir: '/opt/burrow/ui',
      firmwareSocket: '/run/x.sock',
      trustedProxies: ['10.0.0.1/32', 'fd00::/8'],
    },
  );
});

test('trusted proxies are IP addresses or CIDRs; anything else is refused', (t) => {
  const proxies = (raw: string) => parseEnv({ BURROW_DATA_DIR: '/d', BURROW_TRUSTED_PROXIES: raw }, CWD).trustedProxies;
  t.deepEqual(proxies('192.168.1.0/24,127.0.0.1'), ['192.168.1.0/24', '127.0.0.1/32']);
  t.deepEqual(proxies('::1'), ['::1/128']);
  t.deepEqual(proxies('FD00:0::/8, ::ffff:10.0.0.1'), ['fd00::/8', '::ffff:10.0.0.1/128'], 'in canonical text');
  const refused = ['10.0.0.0/33', 'fd00::/129', 'proxy.lan', '10.0.0.1/8/8', '10.0.0.1,', '10.0.0.0/x'];
  // A zone means nothing in a range, and a zero-padded length is a typo; the firmware reads neither.
  for (const bad of [...refused, 'fe80::1%eth0', '10.0.0.0/08', '10.1/16']) {
    t.is(problemsOf({ BURROW_DATA_DIR: '/d', BURROW_TRUSTED_PROXIES: bad }).length, 1, bad);
  }
});

test('host names and IP addresses are accepted as the listen host', (t) => {
  for (const host of ['localhost', 'burrow.lan', '0.0.0.0', '192.168.1.1', 'fe80::1']) {
    t.is(parseEnv({ BURROW_DATA_DIR: '/d', BURROW_HTTP_HOST: host }, CWD).httpHost, host);
  }
});

test('every bad variable is reported at once, each with its reason', (t) => {
  const problems = problemsOf({
    BURROW_HTTP_PORT: '70000',
    BURROW_LOG_LEVEL: 'loud',
    BURROW_HTTP_HOST: 'not a host',
    BURROW_UI_DIR: '',
  });
  t.deepEqual(problems, [
    'BURROW_DATA_DIR: is required',
    'BURROW_HTTP_HOST: must be an IP address or a host name (got "not a host")',
    'BURROW_HTTP_PORT: must be a whole number from 1 to 65535 (got "70000")',
    'BURROW_LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent (got "loud")',
    'BURROW_UI_DIR: is empty (unset it to use the default)',
  ]);
});

test('ports must be plain whole numbers in range', (t) => {
  for (const port of ['0', '65536', '-1', '80.5', '1e3', ' 80', '0x50', '080808']) {
    t.is(problemsOf({ BURROW_DATA_DIR: '/d', BURROW_HTTP_PORT: port }).length, 1, port);
  }
  t.is(parseEnv({ BURROW_DATA_DIR: '/d', BURROW_HTTP_PORT: '1' }, CWD).httpPort, 1);
  t.is(parseEnv({ BURROW_DATA_DIR: '/d', BURROW_HTTP_PORT: '65535' }, CWD).httpPort, 65535);
});

test('HTTP and HTTPS cannot share a port', (t) => {
  t.deepEqual(problemsOf({ BURROW_DATA_DIR: '/d', BURROW_HTTP_PORT: '8443' }), [
    'BURROW_HTTPS_PORT: must differ from BURROW_HTTP_PORT (both are 8443)',
  ]);
});

test('an unknown BURROW_ variable stops boot without echoing its value', (t) => {
  const problems = problemsOf({ BURROW_DATA_DIR: '/d', BURROW_HTTP_PROT: '8443', BURROW_ADMIN_PASSWORD: 'hunter2' });
  t.is(problems.length, 2);
  t.true(problems[0]?.startsWith('BURROW_ADMIN_PASSWORD: is not a known variable'));
  t.true(problems[1]?.startsWith('BURROW_HTTP_PROT: is not a known variable'));
  t.false(problems.join('\n').includes('hunter2'));
});

test('other variables are none of our business', (t) => {
  t.notThrows(() => parseEnv({ BURROW_DATA_DIR: '/d', PATH: '/usr/bin', burrow_lowercase: 'x', HOME: '/root' }, CWD));
});

test('control characters in a path are refused and shown escaped', (t) => {
  const problems = problemsOf({ BURROW_DATA_DIR: '/data\n/evil' });
  t.deepEqual(problems, ['BURROW_DATA_DIR: must not contain control characters (got "/data\\n/evil")']);
});

test('a socket path longer than a Unix socket allows is refused', (t) => {
  const problems = problemsOf({ BURROW_DATA_DIR: '/d', BURROW_FIRMWARE_SOCKET: `/run/${'s'.repeat(110)}.sock` });
  t.is(problems.length, 1);
  t.regex(problems[0] ?? '', /^BURROW_FIRMWARE_SOCKET: must be at most 107 bytes/);
});

test('the message names every problem on its own line', (t) => {
  const error = t.throws(() => parseEnv({ BURROW_HTTP_PORT: 'x' }, CWD), { instanceOf: EnvError });
  t.is(
    error?.message,
    'Invalid environment:\n  BURROW_DATA_DIR: is required\n  BURROW_HTTP_PORT: must be a whole number from 1 to 65535 (got "x")',
  );
});
