import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { type Response } from 'express';
import { HealthDto } from '../dtos/health.dto.js';
import { Access } from '../middleware/access.decorator.js';
import { HealthService } from '../services/health.service.js';

@ApiTags('health')
@Controller('api/health')
export class HealthController {
  constructor(private readonly service: HealthService) {}

  @Get()
  @Access({ permission: 'public' })
  @ApiOkResponse({ type: HealthDto, description: 'The database answers; `status` tells whether everything else does.' })
  @ApiServiceUnavailableResponse({ type: HealthDto, description: 'The database does not answer.' })
  async getHealth(@Res({ passthrough: true }) response: Response): Promise<HealthDto> {
    const health = await this.service.check();
    // Without its database the API can do nothing useful, so that alone makes it unhealthy to a load balancer.
    response.status(health.database === 'ok' ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return health;
  }
}
