import { Controller, Get, Res } from '@nestjs/common';
import { ApiOkResponse, ApiProduces, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { type Response } from 'express';
import { Access } from '../middleware/access.decorator.js';
import { MetricsService } from '../services/metrics.service.js';

/** Prometheus scrapes this, outside `/api` as exporters conventionally answer. */
@ApiTags('metrics')
@Controller('metrics')
export class MetricsController {
  constructor(private readonly service: MetricsService) {}

  @Get()
  @Access({ permission: 'metrics' })
  @ApiProduces('text/plain')
  @ApiOkResponse({
    description:
      'The Prometheus text format (0.0.4): the tunnel, the kill switch, self-test, failovers, sign-ins, the API process.',
    schema: { type: 'string' },
  })
  @ApiUnauthorizedResponse({
    description: 'No metrics token or admin session, or a wrong or revoked token; with `WWW-Authenticate: Bearer`.',
  })
  async getMetrics(@Res({ passthrough: true }) response: Response): Promise<string> {
    const text = await this.service.scrape();
    response.setHeader('Content-Type', this.service.contentType);
    return text;
  }
}
