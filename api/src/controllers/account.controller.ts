import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Post, Req, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import { type Request, type Response } from 'express';
import {
  ChangePasswordDto,
  ConfirmTotpDto,
  DisableTotpDto,
  PasswordConfirmationDto,
  RecoveryCodesDto,
  TotpEnrolmentDto,
  TotpStatusDto,
} from '../dtos/account.dto.js';
import { AuthSessionDto } from '../dtos/auth.dto.js';
import { Access, Auth } from '../middleware/access.decorator.js';
import { Client } from '../middleware/client.js';
import { type ClientInfo } from '../services/client-info.js';
import { setSessionCookie } from '../middleware/session-cookie.js';
import { AccountService } from '../services/account.service.js';
import { type AuthContext } from '../services/session.service.js';
import { TotpService } from '../services/totp.service.js';

@ApiTags('account')
@Controller('api/account')
export class AccountController {
  constructor(
    private readonly service: AccountService,
    private readonly totp: TotpService,
  ) {}

  @Post('password')
  @HttpCode(HttpStatus.OK)
  @Access({ permission: 'self', duringPasswordChange: true })
  @ApiOkResponse({
    type: AuthSessionDto,
    description:
      'Changed: every session ended; this browser gets a new one. A one-time password from the recovery console is replaced (`passwordMustChange` becomes false).',
  })
  @ApiBadRequestResponse({
    description: '`wrong_password` or `weak_password` (also when the new password is the one-time password).',
  })
  async changePassword(
    @Body() body: ChangePasswordDto,
    @Auth() auth: AuthContext,
    @Client() client: ClientInfo,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<AuthSessionDto> {
    const signedIn = await this.service.changePassword(auth, body.currentPassword, body.newPassword, client);
    setSessionCookie(request, response, signedIn.token);
    return signedIn.body;
  }

  @Get('totp')
  @Access({ permission: 'self', duringTotpEnrolment: true })
  @ApiOkResponse({ type: TotpStatusDto })
  getTotpStatus(@Auth() auth: AuthContext): Promise<TotpStatusDto> {
    return this.totp.status(auth.user);
  }

  @Post('totp/enrol')
  @Access({ permission: 'self', duringTotpEnrolment: true })
  @ApiCreatedResponse({ type: TotpEnrolmentDto, description: 'Scan the QR code, then confirm with a code.' })
  @ApiBadRequestResponse({ description: '`wrong_password`: counts towards the same lock as a failed sign-in.' })
  @ApiConflictResponse({ description: '`totp_already_enabled`.' })
  enrolTotp(
    @Body() body: PasswordConfirmationDto,
    @Auth() auth: AuthContext,
    @Client() client: ClientInfo,
  ): Promise<TotpEnrolmentDto> {
    return this.service.enrolTotp(auth, body.password, client);
  }

  @Post('totp/confirm')
  @HttpCode(HttpStatus.OK)
  @Access({ permission: 'self', duringTotpEnrolment: true })
  @ApiOkResponse({ type: RecoveryCodesDto, description: 'Two-factor sign-in is on.' })
  @ApiBadRequestResponse({ description: '`totp_invalid`.' })
  @ApiConflictResponse({ description: '`totp_enrolment_not_started`.' })
  confirmTotp(
    @Body() body: ConfirmTotpDto,
    @Auth() auth: AuthContext,
    @Client() client: ClientInfo,
  ): Promise<RecoveryCodesDto> {
    return this.totp.confirm(auth, body.code, client);
  }

  @Post('totp/recovery-codes')
  @HttpCode(HttpStatus.OK)
  @Access({ permission: 'self' })
  @ApiOkResponse({ type: RecoveryCodesDto, description: 'A new set, shown only now; the old codes no longer work.' })
  @ApiBadRequestResponse({ description: '`wrong_password`: counts towards the same lock as a failed sign-in.' })
  @ApiConflictResponse({ description: '`totp_not_enabled`.' })
  newRecoveryCodes(
    @Body() body: PasswordConfirmationDto,
    @Auth() auth: AuthContext,
    @Client() client: ClientInfo,
  ): Promise<RecoveryCodesDto> {
    return this.service.newRecoveryCodes(auth, body.password, client);
  }

  @Delete('totp')
  @HttpCode(HttpStatus.NO_CONTENT)
  @Access({ permission: 'self', duringTotpEnrolment: true })
  @ApiNoContentResponse({ description: 'Two-factor sign-in is off; the recovery codes are gone.' })
  @ApiBadRequestResponse({ description: '`wrong_password`.' })
  @ApiConflictResponse({ description: '`totp_required_by_policy`.' })
  disableTotp(@Body() body: DisableTotpDto, @Auth() auth: AuthContext, @Client() client: ClientInfo): Promise<void> {
    return this.service.disableTotp(auth, body.password, client);
  }
}
