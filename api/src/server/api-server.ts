// The running API: the Nest app and its listeners. A staged restore replaces them in-process: the listeners close
// (open requests finish first), then the app and its database; createApp() then applies the restore before the
// database opens, and the new app listens on the same ports.
import { type NestExpressApplication } from '@nestjs/platform-express';
import { createApp } from '../app.js';
import { type AppEnv } from '../env.js';
import { type Logger } from '../logger.js';
import { listen, type Listening } from './listen.js';
import { RestartCoordinator } from './restart-coordinator.js';

export interface ApiServerOptions {
  /** Called when a restart could not bring the app back; the old app is closed by then, so the process must end. */
  onRestartFailed: (error: unknown) => void;
}

interface Running {
  readonly app: NestExpressApplication;
  readonly listening: Listening;
}

export class ApiServer {
  private running: Running | undefined;
  /** Restarts and the final close run one after the other, never interleaved. */
  private queue: Promise<void> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly env: AppEnv,
    private readonly logger: Logger,
    private readonly options: ApiServerOptions,
  ) {}

  /** Creates the app (applying a staged restore first) and listens on the configured ports. */
  static async start(env: AppEnv, logger: Logger, options: ApiServerOptions): Promise<ApiServer> {
    const server = new ApiServer(env, logger, options);
    server.running = await server.open();
    return server;
  }

  /** The data directory this server runs on. */
  get dataDir(): string {
    return this.env.dataDir;
  }

  /** The current listeners; a restart replaces them. */
  get listening(): Listening {
    return this.current().listening;
  }

  /** The current app; a restart replaces it. */
  get app(): NestExpressApplication {
    return this.current().app;
  }

  /** Closes the app and creates it again, which applies a staged restore before the database opens. */
  restart(): Promise<void> {
    return this.enqueue(async () => {
      if (this.closed) {
        return;
      }
      this.logger.info('restarting to apply a staged restore');
      const previous = this.current();
      this.running = undefined;
      await previous.listening.close();
      this.running = await this.open();
      this.logger.info({ url: this.running.listening.httpsUrl }, 'listening again after the restart');
    });
  }

  /** Stops for good, after a restart under way has finished. */
  close(): Promise<void> {
    return this.enqueue(async () => {
      if (this.closed) {
        return;
      }
      this.closed = true;
      await this.running?.listening.close();
    });
  }

  private async open(): Promise<Running> {
    const app = await createApp(this.env, this.logger);
    let listening: Listening;
    try {
      listening = await listen(app, {
        host: this.env.httpHost,
        httpPort: this.env.httpPort,
        httpsPort: this.env.httpsPort,
      });
    } catch (error) {
      await app.close();
      throw error;
    }
    app.get(RestartCoordinator).setRestartHandler(() => {
      this.restart().catch((error: unknown) => this.options.onRestartFailed(error));
    });
    return { app, listening };
  }

  private current(): Running {
    if (this.running === undefined) {
      throw new Error('the API is restarting');
    }
    return this.running;
  }

  private enqueue(work: () => Promise<void>): Promise<void> {
    const next = this.queue.then(work);
    // A failed step must not stop the ones queued after it (a close after a failed restart still runs).
    this.queue = next.catch(() => undefined);
    return next;
  }
}
