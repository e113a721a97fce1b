import { Body, Controller, Get, HttpCode, HttpStatus, Post, Req, Res } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { type Request, type Response } from 'express';
import { AuthSessionDto, LoginDto } from '../dtos/auth.dto.js';
import { DomainError } from '../services/domain-error.js';
import { Access, Auth, OptionalAuth } from '../middleware/access.decorator.js';
import { Client } from '../middleware/client.js';
import { type ClientInfo } from '../services/client-info.js';
import { readDeviceCookie, setDeviceCookie } from '../middleware/device-cookie.js';
import { clearSessionCookie, setSessionCookie } from '../middleware/session-cookie.js';
import { AuthService } from '../services/auth.service.js';
import { type AuthContext, SessionService } from '../services/session.service.js';

@ApiTags('auth')
@Controller('api/auth')
export class AuthController {
  constructor(
    private readonly service: AuthService,
    private readonly sessions: SessionService,
  ) {}

  @Post('login')
  @HttpCode(HttpStatus.OK)
  @Access({ permission: 'public' })
  @ApiOkResponse({
    type: AuthSessionDto,
    description:
      'Signed in: a new session cookie is set, and a device cookie (`__Host-burrow_device`) by which this browser is known to this user. A later sign-in that brings it is not held by the name being locked (strangers can lock a name) but has a limit of its own.',
  })
  @ApiUnauthorizedResponse({
    description:
      '`invalid_credentials` ("Invalid username or password") for an unknown user, a wrong password, a disabled user or a locked account alike; `totp_required` when the password is right and a code is needed; `totp_invalid` for a wrong or reused code.',
  })
  async login(
    @Body() body: LoginDto,
    @Client() client: ClientInfo,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<AuthSessionDto> {
    const signedIn = await this.service.login(body, client, readDeviceCookie(request));
    setSessionCookie(request, response, signedIn.token);
    setDeviceCookie(response, signedIn.device);
    return signedIn.body;
  }

  @Get('session')
  @Access({ permission: 'public' })
  @ApiOkResponse({ type: AuthSessionDto })
  @ApiUnauthorizedResponse({ description: '`unauthenticated`: no live session.' })
  getSession(@OptionalAuth() auth: AuthContext | undefined): AuthSessionDto {
    if (auth === undefined) {
      throw new DomainError('unauthenticated', 'unauthenticated', 'Not signed in');
    }
    return this.sessions.describe(auth);
  }

  @Post('logout')
  @HttpCode(HttpStatus.NO_CONTENT)
  @Access({ permission: 'self', duringTotpEnrolment: true, duringPasswordChange: true })
  @ApiNoContentResponse({ description: 'The session is deleted and the cookie cleared.' })
  async logout(
    @Auth() auth: AuthContext,
    @Client() client: ClientInfo,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<void> {
    await this.sessions.signOut(auth, client);
    clearSessionCookie(request, response);
  }
}
