import { Body, Controller, Get, Post, Req, Res } from '@nestjs/common';
import { ApiConflictResponse, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { type Request, type Response } from 'express';
import { AuthSessionDto, SetupDto, SetupStatusDto } from '../dtos/auth.dto.js';
import { Access } from '../middleware/access.decorator.js';
import { Client } from '../middleware/client.js';
import { type ClientInfo } from '../services/client-info.js';
import { setSessionCookie } from '../middleware/session-cookie.js';
import { SetupService } from '../services/setup.service.js';

@ApiTags('setup')
@Controller('api/setup')
export class SetupController {
  constructor(private readonly service: SetupService) {}

  @Get()
  @Access({ permission: 'public' })
  @ApiOkResponse({ type: SetupStatusDto })
  getSetupStatus(): Promise<SetupStatusDto> {
    return this.service.status();
  }

  @Post()
  @Access({ permission: 'public' })
  @ApiCreatedResponse({ type: AuthSessionDto, description: 'The first admin, signed in: the session cookie is set.' })
  @ApiConflictResponse({ description: '`setup_done`: a user already exists.' })
  async setup(
    @Body() body: SetupDto,
    @Client() client: ClientInfo,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<AuthSessionDto> {
    const signedIn = await this.service.setup(body, client);
    setSessionCookie(request, response, signedIn.token);
    return signedIn.body;
  }
}
