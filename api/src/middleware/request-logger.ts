// One log line per request, carrying its id. Headers are never logged: they hold cookies and credentials.
import { type IncomingMessage, type ServerResponse } from 'node:http';
import { pinoHttp, type HttpLogger } from 'pino-http';
import { type Logger } from '../logger.js';
import { chooseRequestId, REQUEST_ID_HEADER } from './request-id.js';

export function requestLogger(logger: Logger): HttpLogger {
  return pinoHttp({
    logger,
    genReqId: (req: IncomingMessage, res: ServerResponse) => {
      const id = chooseRequestId(req.headers[REQUEST_ID_HEADER.toLowerCase()]);
      res.setHeader(REQUEST_ID_HEADER, id);
      return id;
    },
    customLogLevel: (_req, res, error) => {
      if (error !== undefined || res.statusCode >= 500) {
        return 'error';
      }
      return res.statusCode >= 400 ? 'warn' : 'info';
    },
    serializers: {
      req: (req: { id: unknown; method: unknown; url: unknown }) => ({ id: req.id, method: req.method, url: req.url }),
      res: (res: { statusCode: unknown }) => ({ statusCode: res.statusCode }),
    },
  });
}
