// Runs the real API application inside the test process: real SQLite file, real migrations, real
// HTTPS (and the redirecting HTTP) on 127.0.0.1, with its log lines captured, listening as main.ts does.
import { createApp } from '@burrow/api/app';
import { parseEnv } from '@burrow/api/env';
import { createLogger } from '@burrow/api/logger';
import { listen, type Listening } from '@burrow/api/server/listen';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { findTwoFreePorts } from '../../helpers/free-port.js';
import { trustForFetch } from '../../helpers/trust.js';

export type LogLine = Record<string, unknown>;
type ApiApp = Awaited<ReturnType<typeof createApp>>;

export interface InProcessApi {
  readonly app: ApiApp;
  readonly listening: Listening;
  /** `https://127.0.0.1:<port>`, no trailing slash; this process's fetch() trusts the server's CA. */
  readonly url: string;
  /** The plain-HTTP listener, which redirects to `url`. */
  readonly httpUrl: string;
  readonly caPem: string;
  readonly dataDir: string;
  /** Every line the app's logger wrote, parsed. */
  readonly logs: LogLine[];
  /** Closes the app and removes its temporary directories. */
  readonly close: () => Promise<void>;
}

export interface InProcessApiOptions {
  /** Built page to serve; by default an empty directory, so the API runs without a page. */
  uiDir?: string;
  /** burrowd's socket path; by default a path in the data dir where nothing exists. */
  firmwareSocket?: string;
  /** Use this data dir instead of a fresh one (it is then left in place on close). */
  dataDir?: string;
  /** BURROW_TRUSTED_PROXIES: whose X-Forwarded-* headers count. */
  trustedProxies?: string;
  /** BURROW_LOG_LEVEL; `info` by default. */
  logLevel?: 'info' | 'debug' | 'trace';
}

export async function startInProcessApi(options: InProcessApiOptions = {}): Promise<InProcessApi> {
  const scratch = await mkdtemp(join(tmpdir(), 'burrow-medium-'));
  const dataDir = options.dataDir ?? join(scratch, 'data');
  const logs: LogLine[] = [];
  let started: { app: ApiApp; listening: Listening } | undefined;
  try {
    // Real ports rather than 0, as the HTTP listener's redirects name the HTTPS port; a port picked free can be
    // taken by a concurrent test before it is bound, and then another pair is tried.
    for (let attempt = 1; started === undefined; attempt++) {
      const [httpPort, httpsPort] = await findTwoFreePorts();
      const env = parseEnv({
        BURROW_DATA_DIR: dataDir,
        BURROW_UI_DIR: options.uiDir ?? join(scratch, 'no-ui'),
        BURROW_FIRMWARE_SOCKET: options.firmwareSocket ?? join(scratch, 'burrowd.sock'),
        BURROW_LOG_LEVEL: options.logLevel ?? 'info',
        BURROW_TRUSTED_PROXIES: options.trustedProxies,
        BURROW_HTTP_PORT: String(httpPort),
        BURROW_HTTPS_PORT: String(httpsPort),
      });
      logs.length = 0;
      const app = await createApp(env, createLogger(env.logLevel, collectLines(logs)));
      try {
        started = { app, listening: await listen(app, { host: '127.0.0.1', httpPort, httpsPort }) };
      } catch (error) {
        await app.close();
        if (attempt >= 5 || (error as { code?: unknown }).code !== 'EADDRINUSE') {
          throw error;
        }
      }
    }
  } catch (error) {
    await rm(scratch, { recursive: true, force: true });
    throw error;
  }
  const { app, listening } = started;
  const caPem = await readFile(join(dataDir, 'certs', 'ca.pem'), 'utf8');
  trustForFetch(caPem);
  return {
    app,
    listening,
    url: listening.httpsUrl,
    httpUrl: listening.httpUrl,
    caPem,
    dataDir,
    logs,
    close: async () => {
      await listening.close();
      await rm(scratch, { recursive: true, force: true });
    },
  };
}

/** A log destination that parses each JSON line into `lines`. */
function collectLines(lines: LogLine[]): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      // Under load one chunk can hold several lines.
      for (const line of chunk.toString().split('\n')) {
        if (line.trim() !== '') {
          lines.push(JSON.parse(line) as LogLine);
        }
      }
      done();
    },
  });
}
