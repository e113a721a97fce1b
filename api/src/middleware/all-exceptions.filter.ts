import { type ArgumentsHost, Catch, type ExceptionFilter } from '@nestjs/common';
import { type Request, type Response } from 'express';
import { type Logger } from '../logger.js';
import { errorBody } from './error-body.js';
import { chooseRequestId, REQUEST_ID_HEADER } from './request-id.js';

/** Answers every failed request with ErrorResponseDto, and logs the ones that are our fault. */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<Request & { id?: unknown }>();
    const response = http.getResponse<Response>();
    // The request logger assigns ids before routing; the fallback covers a failure before it ran.
    const requestId = typeof request.id === 'string' ? request.id : chooseRequestId(undefined);
    const body = errorBody(exception, requestId);

    // Refusals (4xx) are the client's business; a 5xx is ours, whatever was thrown.
    if (body.statusCode >= 500) {
      this.logger.error({ err: exception, reqId: requestId }, 'request failed');
    }
    if (response.headersSent) {
      // Half a response is already on the wire; cutting the connection is the only honest signal left.
      response.destroy();
      return;
    }
    response.setHeader(REQUEST_ID_HEADER, requestId);
    response.status(body.statusCode).json(body);
  }
}
