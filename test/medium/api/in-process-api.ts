// Runs the real API application inside the test process: real SQLite file, real migrations, real
// HTTP on 127.0.0.1, with its log lines captured. Only listening differs from main.ts (port 0).
import { createApp } from '@burrow/api/app';
import { parseEnv } from '@burrow/api/env';
import { createLogger } from '@burrow/api/logger';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';

export type LogLine = Record<string, unknown>;
type ApiApp = Awaited<ReturnType<typeof createApp>>;

export interface InProcessApi {
  readonly app: ApiApp;
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  readonly url: string;
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
  const env = parseEnv({
    BURROW_DATA_DIR: dataDir,
    BURROW_UI_DIR: options.uiDir ?? join(scratch, 'no-ui'),
    BURROW_FIRMWARE_SOCKET: options.firmwareSocket ?? join(scratch, 'burrowd.sock'),
    BURROW_LOG_LEVEL: options.logLevel ?? 'info',
    BURROW_TRUSTED_PROXIES: options.trustedProxies,
  });
  const logs: LogLine[] = [];
  const logger = createLogger(
    env.logLevel,
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        // Under load one chunk can hold several lines.
        for (const line of chunk.toString().split('\n')) {
          if (line.trim() !== '') {
            logs.push(JSON.parse(line) as LogLine);
          }
        }
        done();
      },
    }),
  );
  const app = await createApp(env, logger).catch(async (error: unknown) => {
    await rm(scratch, { recursive: true, force: true });
    throw error;
  });
  try {
    await app.listen(0, '127.0.0.1');
  } catch (error) {
    await app.close();
    await rm(scratch, { recursive: true, force: true });
    throw error;
  }
  return {
    app,
    url: await app.getUrl(),
    dataDir,
    logs,
    close: async () => {
      await app.close();
      await rm(scratch, { recursive: true, force: true });
    },
  };
}
