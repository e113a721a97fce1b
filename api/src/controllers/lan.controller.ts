import { FIELD_REFUSED } from '../dtos/error.dto.js';
import { Body, Controller, Get, Param, Patch, Put } from '@nestjs/common';
import { ApiBadRequestResponse, ApiConflictResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { LanDeviceDto, LanSettingsDto, UpdateLanDeviceDto, UpdateLanDto } from '../dtos/lan.dto.js';
import { Access, Auth } from '../middleware/access.decorator.js';
import { Client } from '../middleware/client.js';
import { type ClientInfo } from '../services/client-info.js';
import { LanDeviceService } from '../services/lan-device.service.js';
import { LanService } from '../services/lan.service.js';
import { type AuthContext } from '../services/session.service.js';

@ApiTags('lan')
@Controller('api')
export class LanController {
  constructor(
    private readonly lan: LanService,
    private readonly devices: LanDeviceService,
  ) {}

  @Get('lan')
  @Access({ permission: 'read' })
  @ApiOkResponse({ type: LanSettingsDto, description: "The admin's LAN settings, else what burrowd runs." })
  getLan(): Promise<LanSettingsDto> {
    return this.lan.get();
  }

  @Put('lan')
  @Access({ permission: 'admin' })
  @ApiOkResponse({ type: LanSettingsDto })
  @ApiBadRequestResponse({ description: FIELD_REFUSED })
  @ApiConflictResponse({
    description: "`lan_cut_off`: the change would cut off the requesting admin's device; send `confirm: true`.",
  })
  setLan(@Body() body: UpdateLanDto, @Auth() auth: AuthContext, @Client() client: ClientInfo): Promise<LanSettingsDto> {
    return this.lan.update(body, auth.user, client);
  }

  @Get('devices')
  @Access({ permission: 'read' })
  @ApiOkResponse({
    type: [LanDeviceDto],
    description: 'Every device seen on the LAN, and those an admin set up ahead.',
  })
  listDevices(): Promise<LanDeviceDto[]> {
    return this.devices.list();
  }

  @Patch('devices/:mac')
  @Access({ permission: 'admin' })
  @ApiOkResponse({ type: LanDeviceDto })
  @ApiBadRequestResponse({ description: FIELD_REFUSED })
  updateDevice(
    @Param('mac') mac: string,
    @Body() body: UpdateLanDeviceDto,
    @Auth() auth: AuthContext,
    @Client() client: ClientInfo,
  ): Promise<LanDeviceDto> {
    return this.devices.update(mac, body, auth.user, client);
  }
}
