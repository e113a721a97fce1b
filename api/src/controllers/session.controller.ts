import { Controller, Delete, Get, HttpCode, HttpStatus, Param, Req, Res } from '@nestjs/common';
import { ApiNoContentResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { type Request, type Response } from 'express';
import { SessionDto } from '../dtos/session.dto.js';
import { Access, Auth } from '../middleware/access.decorator.js';
import { Client } from '../middleware/client.js';
import { type ClientInfo } from '../services/client-info.js';
import { clearSessionCookie } from '../middleware/session-cookie.js';
import { type AuthContext, SessionService } from '../services/session.service.js';

@ApiTags('auth')
@Controller('api/auth/sessions')
export class SessionController {
  constructor(private readonly service: SessionService) {}

  @Get()
  @Access({ permission: 'read', duringTotpEnrolment: true })
  @ApiOkResponse({ type: [SessionDto], description: "The caller's own sessions, newest first." })
  listSessions(@Auth() auth: AuthContext): Promise<SessionDto[]> {
    return this.service.list(auth);
  }

  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @Access({ permission: 'self', duringTotpEnrolment: true })
  @ApiNoContentResponse({ description: 'Revoked. Revoking the current session signs out.' })
  @ApiNotFoundResponse({ description: 'No session of yours has this id.' })
  async revokeSession(
    @Param('id') id: string,
    @Auth() auth: AuthContext,
    @Client() client: ClientInfo,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<void> {
    if (await this.service.revoke(auth, id, client)) {
      clearSessionCookie(request, response);
    }
  }
}
