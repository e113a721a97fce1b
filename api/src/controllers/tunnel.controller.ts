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
  Query,
  Res,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import { type Response } from 'express';
import {
  CheckTunnelDto,
  ExportTunnelDto,
  ImportTunnelDto,
  TunnelCheckDto,
  TunnelDto,
  TunnelImportDto,
  UpdateTunnelDto,
} from '../dtos/tunnel.dto.js';
import { mapTunnelTraffic, TrafficQueryDto, TunnelTrafficDto } from '../dtos/traffic.dto.js';
import { Access, Auth } from '../middleware/access.decorator.js';
import { Client } from '../middleware/client.js';
import { type ClientInfo } from '../services/client-info.js';
import { type AuthContext } from '../services/session.service.js';
import { TrafficHistoryService } from '../services/traffic-history.service.js';
import { TunnelService } from '../services/tunnel.service.js';

const CONFIG_REFUSED = '`tunnel_config_invalid`: `problems` names each line and field; nothing was saved.';

@ApiTags('tunnels')
@Controller('api/tunnels')
export class TunnelController {
  constructor(
    private readonly service: TunnelService,
    private readonly traffic: TrafficHistoryService,
  ) {}

  @Get()
  @Access({ permission: 'read' })
  @ApiOkResponse({
    type: [TunnelDto],
    description: 'In priority order. Keys other than public ones are never returned.',
  })
  listTunnels(): Promise<TunnelDto[]> {
    return this.service.list();
  }

  @Post('check')
  @HttpCode(HttpStatus.OK)
  @Access({ permission: 'admin' })
  @ApiOkResponse({ type: TunnelCheckDto, description: 'What the file holds; nothing is saved.' })
  @ApiBadRequestResponse({ description: CONFIG_REFUSED })
  checkTunnel(@Body() body: CheckTunnelDto): TunnelCheckDto {
    return this.service.check(body.config);
  }

  @Post()
  @Access({ permission: 'admin' })
  @ApiCreatedResponse({ type: TunnelImportDto })
  @ApiBadRequestResponse({ description: CONFIG_REFUSED })
  @ApiConflictResponse({ description: '`tunnel_name_taken` or `tunnel_limit`.' })
  importTunnel(
    @Body() body: ImportTunnelDto,
    @Auth() auth: AuthContext,
    @Client() client: ClientInfo,
  ): Promise<TunnelImportDto> {
    return this.service.import(body.name, body.config, auth.user, client);
  }

  @Get(':id')
  @Access({ permission: 'read' })
  @ApiOkResponse({ type: TunnelDto })
  @ApiNotFoundResponse()
  getTunnel(@Param('id', ParseIntPipe) id: number): Promise<TunnelDto> {
    return this.service.get(id);
  }

  @Get(':id/traffic')
  @Access({ permission: 'read' })
  @ApiOkResponse({ type: TunnelTrafficDto, description: 'Bytes this profile carried, per point of the range.' })
  @ApiBadRequestResponse({ description: 'An unknown range.' })
  @ApiNotFoundResponse()
  async getTunnelTraffic(
    @Param('id', ParseIntPipe) id: number,
    @Query() query: TrafficQueryDto,
  ): Promise<TunnelTrafficDto> {
    return mapTunnelTraffic(await this.traffic.history(id, query.range));
  }

  @Patch(':id')
  @Access({ permission: 'admin' })
  @ApiOkResponse({ type: TunnelDto })
  @ApiNotFoundResponse()
  @ApiConflictResponse({ description: '`tunnel_name_taken`.' })
  updateTunnel(
    @Param('id', ParseIntPipe) id: number,
    @Body() body: UpdateTunnelDto,
    @Auth() auth: AuthContext,
    @Client() client: ClientInfo,
  ): Promise<TunnelDto> {
    return this.service.update(id, body, auth.user, client);
  }

  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @Access({ permission: 'admin' })
  @ApiNoContentResponse()
  @ApiNotFoundResponse()
  @ApiConflictResponse({ description: '`tunnel_in_use`: it carries traffic and the kill switch is off.' })
  deleteTunnel(
    @Param('id', ParseIntPipe) id: number,
    @Auth() auth: AuthContext,
    @Client() client: ClientInfo,
  ): Promise<void> {
    return this.service.delete(id, auth.user, client);
  }

  @Post(':id/activate')
  @HttpCode(HttpStatus.OK)
  @Access({ permission: 'admin' })
  @ApiOkResponse({ type: TunnelDto, description: 'Chosen by hand; failover still moves on if it stops working.' })
  @ApiNotFoundResponse()
  @ApiConflictResponse({ description: '`tunnel_in_use`: a disabled profile cannot be activated.' })
  activateTunnel(
    @Param('id', ParseIntPipe) id: number,
    @Auth() auth: AuthContext,
    @Client() client: ClientInfo,
  ): Promise<TunnelDto> {
    return this.service.activate(id, auth.user, client);
  }

  @Get(':id/export')
  @Access({ permission: 'read' })
  @Header('Cache-Control', 'no-store')
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'The profile as a wg-quick file, without its keys.', schema: { type: 'string' } })
  @ApiNotFoundResponse()
  async exportTunnel(
    @Param('id', ParseIntPipe) id: number,
    @Res({ passthrough: true }) response: Response,
  ): Promise<string> {
    return attach(response, await this.service.export(id, null));
  }

  @Post(':id/export')
  @HttpCode(HttpStatus.OK)
  @Access({ permission: 'admin' })
  @Header('Cache-Control', 'no-store')
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'The profile as a wg-quick file with its keys; audited.', schema: { type: 'string' } })
  @ApiBadRequestResponse({ description: '`wrong_password`.' })
  @ApiNotFoundResponse()
  async exportTunnelWithKeys(
    @Param('id', ParseIntPipe) id: number,
    @Body() body: ExportTunnelDto,
    @Auth() auth: AuthContext,
    @Client() client: ClientInfo,
    @Res({ passthrough: true }) response: Response,
  ): Promise<string> {
    return attach(response, await this.service.export(id, { auth, password: body.password, client }));
  }
}

function attach(response: Response, file: { filename: string; text: string }): string {
  response.type('text/plain; charset=utf-8');
  response.attachment(file.filename);
  return file.text;
}
