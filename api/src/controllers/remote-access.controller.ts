import { FIELD_REFUSED } from '../dtos/error.dto.js';
import {
  Body,
  Controller,
  Delete,
  Get,
  Header,
  HttpCode,
  HttpStatus,
  Param,
  ParseIntPipe,
  Patch,
  Post,
  Put,
  Query,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import {
  CreateRemoteDeviceDto,
  RemoteAccessDto,
  RemoteDeviceConfigDto,
  RemoteDeviceDto,
  UpdateRemoteAccessDto,
  UpdateRemoteDeviceDto,
} from '../dtos/remote-access.dto.js';
import { mapTunnelTraffic, TrafficQueryDto, TunnelTrafficDto } from '../dtos/traffic.dto.js';
import { Access, Auth } from '../middleware/access.decorator.js';
import { Client } from '../middleware/client.js';
import { type ClientInfo } from '../services/client-info.js';
import { RemoteAccessService } from '../services/remote-access.service.js';
import { RemoteDeviceService } from '../services/remote-device.service.js';
import { type AuthContext } from '../services/session.service.js';

const SHOWN_ONCE = 'The .conf and its QR code: the only answer that carries them (with a private key made here).';

@ApiTags('remote-access')
@Controller('api/remote-access')
export class RemoteAccessController {
  constructor(
    private readonly service: RemoteAccessService,
    private readonly devices: RemoteDeviceService,
  ) {}

  @Get()
  @Access({ permission: 'read' })
  @ApiOkResponse({ type: RemoteAccessDto })
  getRemoteAccess(): Promise<RemoteAccessDto> {
    return this.service.get();
  }

  @Put()
  @Access({ permission: 'admin' })
  @ApiOkResponse({ type: RemoteAccessDto })
  @ApiBadRequestResponse({ description: FIELD_REFUSED })
  setRemoteAccess(
    @Body() body: UpdateRemoteAccessDto,
    @Auth() auth: AuthContext,
    @Client() client: ClientInfo,
  ): Promise<RemoteAccessDto> {
    return this.service.update(body, auth.user, client);
  }

  @Get('devices')
  @Access({ permission: 'read' })
  @ApiOkResponse({ type: [RemoteDeviceDto], description: 'Never a private or preshared key.' })
  listRemoteDevices(): Promise<RemoteDeviceDto[]> {
    return this.devices.list();
  }

  @Post('devices')
  @Access({ permission: 'admin' })
  @Header('Cache-Control', 'no-store')
  @ApiCreatedResponse({ type: RemoteDeviceConfigDto, description: SHOWN_ONCE })
  @ApiBadRequestResponse({ description: FIELD_REFUSED })
  createRemoteDevice(
    @Body() body: CreateRemoteDeviceDto,
    @Auth() auth: AuthContext,
    @Client() client: ClientInfo,
  ): Promise<RemoteDeviceConfigDto> {
    return this.devices.create(body, auth.user, client);
  }

  @Patch('devices/:id')
  @Access({ permission: 'admin' })
  @ApiOkResponse({ type: RemoteDeviceDto })
  @ApiBadRequestResponse({ description: FIELD_REFUSED })
  @ApiNotFoundResponse()
  updateRemoteDevice(
    @Param('id', ParseIntPipe) id: number,
    @Body() body: UpdateRemoteDeviceDto,
    @Auth() auth: AuthContext,
    @Client() client: ClientInfo,
  ): Promise<RemoteDeviceDto> {
    return this.devices.update(id, body, auth.user, client);
  }

  @Delete('devices/:id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @Access({ permission: 'admin' })
  @ApiNoContentResponse()
  @ApiNotFoundResponse()
  deleteRemoteDevice(
    @Param('id', ParseIntPipe) id: number,
    @Auth() auth: AuthContext,
    @Client() client: ClientInfo,
  ): Promise<void> {
    return this.devices.delete(id, auth.user, client);
  }

  @Post('devices/:id/rekey')
  @HttpCode(HttpStatus.OK)
  @Access({ permission: 'admin' })
  @Header('Cache-Control', 'no-store')
  @ApiOkResponse({
    type: RemoteDeviceConfigDto,
    description: `New keys made here; the old ones stop working. ${SHOWN_ONCE}`,
  })
  @ApiNotFoundResponse()
  rekeyRemoteDevice(
    @Param('id', ParseIntPipe) id: number,
    @Auth() auth: AuthContext,
    @Client() client: ClientInfo,
  ): Promise<RemoteDeviceConfigDto> {
    return this.devices.rekey(id, auth.user, client);
  }

  @Get('devices/:id/traffic')
  @Access({ permission: 'read' })
  @ApiOkResponse({ type: TunnelTrafficDto, description: 'Bytes to and from this device, per point of the range.' })
  @ApiBadRequestResponse({ description: 'An unknown range.' })
  @ApiNotFoundResponse()
  async getRemoteDeviceTraffic(
    @Param('id', ParseIntPipe) id: number,
    @Query() query: TrafficQueryDto,
  ): Promise<TunnelTrafficDto> {
    return mapTunnelTraffic(await this.devices.traffic(id, query.range));
  }
}
