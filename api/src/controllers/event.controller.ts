import { Body, Controller, Get, HttpCode, HttpStatus, Post, Put, Query } from '@nestjs/common';
import { ApiConflictResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import {
  EventListDto,
  EventQueryDto,
  WebhookDeliveryDto,
  WebhookSettingsDto,
  WebhookUrlDto,
} from '../dtos/event.dto.js';
import { Access, Auth } from '../middleware/access.decorator.js';
import { Client } from '../middleware/client.js';
import { type ClientInfo } from '../services/client-info.js';
import { EventWebhookService } from '../services/event-webhook.service.js';
import { EventService } from '../services/event.service.js';
import { type AuthContext } from '../services/session.service.js';

@ApiTags('events')
@Controller('api/events')
export class EventController {
  constructor(
    private readonly events: EventService,
    private readonly webhook: EventWebhookService,
  ) {}

  @Get()
  @Access({ permission: 'read' })
  @ApiOkResponse({ type: EventListDto, description: 'Newest first. New ones also arrive on GET /api/status/stream.' })
  listEvents(@Query() query: EventQueryDto): Promise<EventListDto> {
    return this.events.list(query);
  }

  // Admins only: the URL may carry a token (ntfy, Gotify).
  @Get('webhook')
  @Access({ permission: 'admin' })
  @ApiOkResponse({ type: WebhookSettingsDto })
  getWebhook(): Promise<WebhookSettingsDto> {
    return this.webhook.status();
  }

  @Put('webhook')
  @Access({ permission: 'admin' })
  @ApiOkResponse({
    type: WebhookSettingsDto,
    description: '`webhook_url_invalid` (400) unless an http(s) URL without credentials, or empty to turn it off.',
  })
  setWebhook(
    @Body() body: WebhookUrlDto,
    @Auth() auth: AuthContext,
    @Client() client: ClientInfo,
  ): Promise<WebhookSettingsDto> {
    return this.webhook.setUrl(body.url, auth.user, client);
  }

  @Post('webhook/test')
  @HttpCode(HttpStatus.OK)
  @Access({ permission: 'admin' })
  @ApiOkResponse({
    type: WebhookDeliveryDto,
    description: 'Sends a `webhook.test` event now and answers how it went (a failure is a 200 with `ok: false`).',
  })
  @ApiConflictResponse({ description: '`webhook_not_set`: no webhook URL is set.' })
  testWebhook(): Promise<WebhookDeliveryDto> {
    return this.webhook.test();
  }
}
