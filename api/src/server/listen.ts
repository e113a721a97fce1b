// Puts the application on the network: HTTPS for the page and the API, plain HTTP beside it that only redirects
// (see https-only.ts). A renewed or imported certificate is swapped into the running HTTPS server: connections
// open at the time finish on the old one, new handshakes get the new one (see certificate-selector.ts for which),
// and nothing restarts.
import { type NestExpressApplication } from '@nestjs/platform-express';
import { once } from 'node:events';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server as HttpServer,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { type AddressInfo } from 'node:net';
import { CertificateService } from '../services/certificate.service.js';
import { StatusStreamService } from '../services/status-stream.service.js';
import { CertificateSelector } from './certificate-selector.js';
import { secureContextOptions } from './tls-settings.js';

export interface ListenOptions {
  host: string;
  /** 0 picks a free port (tests). */
  httpPort: number;
  httpsPort: number;
}

export interface Listening {
  /** `https://<host>:<port>`, without a trailing slash. */
  readonly httpsUrl: string;
  readonly httpUrl: string;
  readonly https: HttpsServer;
  /** Stops accepting, ends idle keep-alive connections, waits for open requests, then closes the app. */
  readonly close: () => Promise<void>;
}

/** How long headers may take to arrive: a slow client cannot hold a socket open for ever. */
const HEADERS_TIMEOUT_MS = 20_000;

export async function listen(app: NestExpressApplication, options: ListenOptions): Promise<Listening> {
  await app.init();
  const certificates = app.get(CertificateService);
  const handler = app.getHttpAdapter().getInstance();
  const served = await certificates.start();
  const selector = new CertificateSelector(served);
  // The server's own context (the built-in certificate) answers handshakes without SNI, i.e. by address.
  const https = createHttpsServer(
    { ...secureContextOptions(served.builtIn), SNICallback: selector.sniCallback },
    handler,
  );
  const unsubscribe = certificates.onChange((next) => {
    selector.update(next);
    https.setSecureContext(secureContextOptions(next.builtIn));
  });
  const http = createHttpServer(handler);
  for (const server of [https, http]) {
    server.headersTimeout = HEADERS_TIMEOUT_MS;
    server.requestTimeout = 60_000;
  }
  try {
    await Promise.all([bind(https, options.host, options.httpsPort), bind(http, options.host, options.httpPort)]);
  } catch (error) {
    unsubscribe();
    await Promise.all([closeServer(https), closeServer(http)]);
    throw error;
  }
  certificates.watch();
  return {
    httpsUrl: url('https', options.host, https),
    httpUrl: url('http', options.host, http),
    https,
    close: async () => {
      unsubscribe();
      // From now on every response closes its connection: a page polling on a kept-alive connection keeps it busy,
      // never idle, and would hold the closing server (and a restart after a restore) open for ever.
      for (const server of [https, http]) {
        server.prependListener('request', closeConnectionAfterResponse);
      }
      // An open status stream is never idle: it would hold the servers open.
      app.get(StatusStreamService).endAll();
      await Promise.all([closeServer(https), closeServer(http)]);
      await app.close();
    },
  };
}

function closeConnectionAfterResponse(_request: IncomingMessage, response: ServerResponse): void {
  response.shouldKeepAlive = false;
}

async function bind(server: HttpServer | HttpsServer, host: string, port: number): Promise<void> {
  server.listen(port, host);
  await once(server, 'listening');
}

async function closeServer(server: HttpServer | HttpsServer): Promise<void> {
  if (!server.listening) {
    return;
  }
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  await closed;
}

function url(scheme: 'http' | 'https', host: string, server: HttpServer | HttpsServer): string {
  const { port } = server.address() as AddressInfo;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return `${scheme}://${shownHost}:${port}`;
}
