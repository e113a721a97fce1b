import { Controller, Get, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiProduces, ApiTags, ApiTooManyRequestsResponse } from '@nestjs/swagger';
import { type Request, type Response } from 'express';
import { Access, Auth } from '../middleware/access.decorator.js';
import { readSessionToken } from '../middleware/session-cookie.js';
import { type AuthContext } from '../services/session.service.js';
import { STREAMS_PER_SESSION, type StatusSink, StatusStreamService } from '../services/status-stream.service.js';

/** How soon a browser reconnects after the stream drops (the API restarting). */
const RETRY_MS = 2_000;

@ApiTags('status')
@Controller('api/status')
export class StatusController {
  constructor(private readonly streams: StatusStreamService) {}

  @Get('stream')
  @Access({ permission: 'read' })
  @ApiProduces('text/event-stream')
  @ApiOkResponse({
    description:
      'Server-sent events: `gateway` (the body of GET /api/gateway) at once and whenever it changes, `system` (the body of GET /api/system/status) at once and every 5 s, `event` (one item of GET /api/events) for each new event as it is recorded, and a comment line every 15 s. The stream ends when the session is signed out or expires.',
    schema: { type: 'string' },
  })
  @ApiTooManyRequestsResponse({
    description: `\`too_many_streams\`: this session already has ${STREAMS_PER_SESSION} streams open; poll instead.`,
  })
  async streamStatus(@Auth() auth: AuthContext, @Req() request: Request, @Res() response: Response): Promise<void> {
    const close = await this.streams.open(auth, readSessionToken(request) ?? '', eventStream(response));
    response.on('close', close);
    if (response.writableEnded || response.destroyed) {
      close();
    }
  }
}

/** Writes server-sent events; the headers go out with the first event, so a refusal can still be a JSON error. */
function eventStream(response: Response): StatusSink {
  const write = (text: string) => {
    if (!response.headersSent) {
      response.status(200);
      response.set({
        'Content-Type': 'text/event-stream; charset=utf-8',
        'Cache-Control': 'no-store, no-transform',
        'X-Accel-Buffering': 'no',
      });
      response.flushHeaders();
      response.write(`retry: ${RETRY_MS}\n\n`);
    }
    if (!response.writableEnded) {
      response.write(text);
    }
  };
  return {
    send: (event, data) => write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`),
    heartbeat: () => write(': heartbeat\n\n'),
    end: () => response.end(),
  };
}
