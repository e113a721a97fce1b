import { Body, Controller, Get, HttpCode, HttpStatus, Post, Put } from '@nestjs/common';
import { ApiConflictResponse, ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import {
  ExitCheckResultDto,
  ExitCheckSettingsDto,
  ExitCheckStateDto,
  mapExitCheckResult,
  mapExitCheckState,
} from '../dtos/exit-check.dto.js';
import { GatewayStatusDto } from '../dtos/gateway.dto.js';
import { KillSwitchDto } from '../dtos/tunnel.dto.js';
import { Access, Auth } from '../middleware/access.decorator.js';
import { Client } from '../middleware/client.js';
import { type ClientInfo } from '../services/client-info.js';
import { ExitCheckService } from '../services/exit-check.service.js';
import { GatewayService } from '../services/gateway.service.js';
import { type AuthContext } from '../services/session.service.js';

@ApiTags('gateway')
@Controller('api/gateway')
export class GatewayController {
  constructor(
    private readonly service: GatewayService,
    private readonly exitCheck: ExitCheckService,
  ) {}

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

  @Get('exit-check')
  @Access({ permission: 'read' })
  @ApiOkResponse({ type: ExitCheckStateDto })
  async getExitCheck(): Promise<ExitCheckStateDto> {
    return mapExitCheckState(await this.exitCheck.state());
  }

  @Put('exit-check')
  @Access({ permission: 'admin' })
  @ApiOkResponse({ type: ExitCheckStateDto, description: "The URL is in burrowd's hands before the answer." })
  async setExitCheck(
    @Body() body: ExitCheckSettingsDto,
    @Auth() auth: AuthContext,
    @Client() client: ClientInfo,
  ): Promise<ExitCheckStateDto> {
    return mapExitCheckState(await this.exitCheck.setUrl(body.url, auth.user, client));
  }

  // Admins only, like the self-test: it has burrowd fetch a page on the household's behalf.
  @Post('exit-check')
  @HttpCode(HttpStatus.OK)
  @Access({ permission: 'admin' })
  @ApiOkResponse({ type: ExitCheckResultDto, description: 'Checked now, through the tunnel in force.' })
  @ApiConflictResponse({ description: '`exit_check_off`: no URL is set.' })
  @ApiServiceUnavailableResponse({ description: '`firmware_unavailable` or `exit_check_failed`.' })
  async checkExit(): Promise<ExitCheckResultDto> {
    return mapExitCheckResult(await this.exitCheck.checkNow());
  }
}
