import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, ParseIntPipe, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import { CreatedMetricsTokenDto, CreateMetricsTokenDto, MetricsTokenDto } from '../dtos/metrics-token.dto.js';
import { Access, Auth } from '../middleware/access.decorator.js';
import { Client } from '../middleware/client.js';
import { type ClientInfo } from '../services/client-info.js';
import { MetricsTokenService } from '../services/metrics-token.service.js';
import { type AuthContext } from '../services/session.service.js';

@ApiTags('metrics')
@Controller('api/metrics/tokens')
export class MetricsTokenController {
  constructor(private readonly service: MetricsTokenService) {}

  @Get()
  @Access({ permission: 'admin' })
  @ApiOkResponse({ type: [MetricsTokenDto], description: 'Oldest first; the tokens themselves are never returned.' })
  listMetricsTokens(): Promise<MetricsTokenDto[]> {
    return this.service.list();
  }

  @Post()
  @Access({ permission: 'admin' })
  @ApiCreatedResponse({ type: CreatedMetricsTokenDto, description: 'The only answer that holds the token; audited.' })
  @ApiBadRequestResponse({ description: '`metrics_token_name_invalid`.' })
  @ApiConflictResponse({ description: '`metrics_token_limit`.' })
  createMetricsToken(
    @Body() body: CreateMetricsTokenDto,
    @Auth() auth: AuthContext,
    @Client() client: ClientInfo,
  ): Promise<CreatedMetricsTokenDto> {
    return this.service.create(body.name, auth.user, client);
  }

  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @Access({ permission: 'admin' })
  @ApiNoContentResponse({ description: 'Revoked: the next scrape with it gets 401. Audited.' })
  @ApiNotFoundResponse()
  revokeMetricsToken(
    @Param('id', ParseIntPipe) id: number,
    @Auth() auth: AuthContext,
    @Client() client: ClientInfo,
  ): Promise<void> {
    return this.service.revoke(id, auth.user, client);
  }
}
