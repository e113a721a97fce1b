import { Body, Controller, Get, Put } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { SecuritySettingsDto } from '../dtos/security-settings.dto.js';
import { Access, Auth } from '../middleware/access.decorator.js';
import { Client } from '../middleware/client.js';
import { type ClientInfo } from '../services/client-info.js';
import { SecuritySettingsService } from '../services/security-settings.service.js';
import { type AuthContext } from '../services/session.service.js';

@ApiTags('settings')
@Controller('api/settings/security')
export class SecuritySettingsController {
  constructor(private readonly service: SecuritySettingsService) {}

  @Get()
  @Access({ permission: 'admin' })
  @ApiOkResponse({ type: SecuritySettingsDto })
  getSecuritySettings(): Promise<SecuritySettingsDto> {
    return this.service.get();
  }

  @Put()
  @Access({ permission: 'admin' })
  @ApiOkResponse({ type: SecuritySettingsDto })
  updateSecuritySettings(
    @Body() body: SecuritySettingsDto,
    @Auth() auth: AuthContext,
    @Client() client: ClientInfo,
  ): Promise<SecuritySettingsDto> {
    return this.service.update(body, auth.user, client);
  }
}
