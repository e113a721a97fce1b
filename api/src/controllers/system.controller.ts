import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { SystemStatusDto } from '../dtos/system-status.dto.js';
import { Access } from '../middleware/access.decorator.js';
import { SystemService } from '../services/system.service.js';

@ApiTags('system')
@Controller('api/system')
export class SystemController {
  constructor(private readonly service: SystemService) {}

  @Get('status')
  @Access({ permission: 'read' })
  @ApiOkResponse({ type: SystemStatusDto })
  getSystemStatus(): Promise<SystemStatusDto> {
    return this.service.getStatus();
  }
}
