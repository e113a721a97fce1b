import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AuditPageDto, AuditQueryDto } from '../dtos/audit.dto.js';
import { Access } from '../middleware/access.decorator.js';
import { AuditService } from '../services/audit.service.js';

@ApiTags('audit')
@Controller('api/audit')
export class AuditController {
  constructor(private readonly service: AuditService) {}

  @Get()
  @Access({ permission: 'admin' })
  @ApiOkResponse({ type: AuditPageDto })
  listAuditEvents(@Query() query: AuditQueryDto): Promise<AuditPageDto> {
    return this.service.list(query);
  }
}
