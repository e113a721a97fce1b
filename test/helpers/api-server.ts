// Starts the real, built API server (`node api/dist/main.js`) for a test, the way `make run` does.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findTwoFreePorts } from './free-port.js';
import { trustForFetch } from './trust.js';

// test/dist/helpers/api-server.js → the repository root.
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const API_MAIN = join(REPO_ROOT, 'api', 'dist', 'main.js');
const UI_DIST = join(REPO_ROOT, 'ui', 'dist');

const START_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 10_000;
/** Enough of the server's output to explain a failed start, without flooding the test report. */
const OUTPUT_TAIL_CHARS = 4000;

export interface ApiServer {
  /** HTTPS base URL such as `https://127.0.0.1:41234`, without a trailing slash. */
  readonly url: string;
  /** The plain-HTTP listener, which redirects to `url`. */
  readonly httpUrl: string;
  readonly httpsPort: number;
  /** The server's own CA, which this process's fetch() trusts (see trust.ts). */
  readonly caPem: string;
  readonly dataDir: string;
  /** The BURROW_* variables it runs with: what the recovery console is given to work beside it. */
  readonly env: Readonly<Record<string, string>>;
  /** Everything the server wrote to stdout so far (JSON log lines). */
  readonly output: () => string;
  /** Stops the server (SIGTERM, then SIGKILL if it hangs) and removes its data directory. */
  readonly stop: () => Promise<void>;
}

export interface ApiServerOptions {
  /** Built web page to serve; defaults to the repository's `ui/dist`. */
  uiDir?: string;
  /** burrowd's control socket; by default a path where none listens, so firmware reads as unavailable. */
  firmwareSocket?: string;
}

/**
 * Starts the server on free ports with a fresh, empty data directory and waits until it listens. A port picked
 * free can be taken by a concurrent test before the server binds it; then another pair is tried.
 */
export async function startApiServer(options: ApiServerOptions = {}): Promise<ApiServer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options);
    } catch (error) {
      if (attempt >= 5 || !String(error).includes('EADDRINUSE')) {
        throw error;
      }
    }
  }
}

async function startOnce(options: ApiServerOptions): Promise<ApiServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'burrow-e2e-data-'));
  const [port, httpsPort] = await findTwoFreePorts();
  const burrowEnv = {
    BURROW_DATA_DIR: dataDir,
    BURROW_HTTP_HOST: '127.0.0.1',
    BURROW_HTTP_PORT: String(port),
    BURROW_HTTPS_PORT: String(httpsPort),
    BURROW_LOG_LEVEL: 'info',
    BURROW_UI_DIR: options.uiDir ?? UI_DIST,
    BURROW_FIRMWARE_SOCKET: options.firmwareSocket ?? join(dataDir, 'burrowd.sock'),
  };
  const child = spawn(process.execPath, [API_MAIN], {
    cwd: REPO_ROOT,
    env: { ...environmentWithoutBurrowVariables(), ...burrowEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });

  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    }
    await rm(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  };

  const describeOutput = (): string =>
    `\n--- stderr ---\n${stderr.slice(-OUTPUT_TAIL_CHARS)}\n--- stdout ---\n${stdout.slice(-OUTPUT_TAIL_CHARS)}`;

  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`The API server did not log "listening" within ${START_TIMEOUT_MS} ms.${describeOutput()}`));
      }, START_TIMEOUT_MS);
      const onData = (): void => {
        if (stdout.includes('"msg":"listening"')) {
          clearTimeout(timer);
          child.stdout.off('data', onData);
          child.off('exit', onExit);
          resolve();
        }
      };
      const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
        clearTimeout(timer);
        reject(
          new Error(`The API server exited (code ${code}, signal ${signal}) before listening.${describeOutput()}`),
        );
      };
      child.stdout.on('data', onData);
      child.once('exit', onExit);
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
  } catch (error) {
    await stop();
    throw error;
  }

  const caPem = await readFile(join(dataDir, 'certs', 'ca.pem'), 'utf8');
  trustForFetch(caPem);
  return {
    url: `https://127.0.0.1:${httpsPort}`,
    httpUrl: `http://127.0.0.1:${port}`,
    httpsPort,
    caPem,
    dataDir,
    env: burrowEnv,
    output: () => stdout,
    stop,
  };
}

/** The server refuses unknown BURROW_* variables, so none leak in from the shell running the tests. */
function environmentWithoutBurrowVariables(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('BURROW_')));
}
