import { Body, Controller, Get, Put } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { GatewayStatusDto } from '../dtos/gateway.dto.js';
import { KillSwitchDto } from '../dtos/tunnel.dto.js';
import { Access, Auth } from '../middleware/access.decorator.js';
import { Client } from '../middleware/client.js';
import { type ClientInfo } from '../services/client-info.js';
import { GatewayService } from '../services/gateway.service.js';
import { type AuthContext } from '../services/session.service.js';

@ApiTags('gateway')
@Controller('api/gateway')
export class GatewayController {
  constructor(private readonly service: GatewayService) {}

  @Get()
  @Access({ permission: 'read' })
  @ApiOkResponse({ type: GatewayStatusDto })
  getGateway(): Promise<GatewayStatusDto> {
    return this.service.status();
  }

  @Put('kill-switch')
  @Access({ permission: 'admin' })
  @ApiOkResponse({ type: GatewayStatusDto, description: 'Applied before the answer, when burrowd is there.' })
  setKillSwitch(
    @Body() body: KillSwitchDto,
    @Auth() auth: AuthContext,
    @Client() client: ClientInfo,
  ): Promise<GatewayStatusDto> {
    return this.service.setKillSwitch(body.enabled, auth.user, client);
  }
}
