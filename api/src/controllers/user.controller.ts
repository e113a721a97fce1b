import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, ParseIntPipe, Patch, Post } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import { CreateUserDto, UpdateUserDto, UserDto } from '../dtos/user.dto.js';
import { Access, Auth } from '../middleware/access.decorator.js';
import { Client } from '../middleware/client.js';
import { webActor } from '../services/actor.js';
import { type ClientInfo } from '../services/client-info.js';
import { type AuthContext } from '../services/session.service.js';
import { UserService } from '../services/user.service.js';

@ApiTags('users')
@Controller('api/users')
export class UserController {
  constructor(private readonly service: UserService) {}

  @Get()
  @Access({ permission: 'admin' })
  @ApiOkResponse({ type: [UserDto] })
  listUsers(): Promise<UserDto[]> {
    return this.service.list();
  }

  @Post()
  @Access({ permission: 'admin' })
  @ApiCreatedResponse({ type: UserDto })
  @ApiConflictResponse({ description: '`username_taken`.' })
  createUser(@Body() body: CreateUserDto, @Auth() auth: AuthContext, @Client() client: ClientInfo): Promise<UserDto> {
    return this.service.create(body, auth.user, client);
  }

  @Patch(':id')
  @Access({ permission: 'admin' })
  @ApiOkResponse({ type: UserDto })
  @ApiNotFoundResponse()
  @ApiForbiddenResponse({
    description: '`use_account_route`: your own password changes at POST /api/account/password, with the current one.',
  })
  @ApiConflictResponse({ description: '`last_admin`: the last enabled admin cannot be disabled or demoted.' })
  updateUser(
    @Param('id', ParseIntPipe) id: number,
    @Body() body: UpdateUserDto,
    @Auth() auth: AuthContext,
    @Client() client: ClientInfo,
  ): Promise<UserDto> {
    return this.service.update(id, body, auth.user, client);
  }

  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @Access({ permission: 'admin' })
  @ApiNoContentResponse()
  @ApiNotFoundResponse()
  @ApiConflictResponse({ description: '`last_admin`: the last enabled admin cannot be deleted.' })
  deleteUser(
    @Param('id', ParseIntPipe) id: number,
    @Auth() auth: AuthContext,
    @Client() client: ClientInfo,
  ): Promise<void> {
    return this.service.delete(id, auth.user, client);
  }

  @Post(':id/unlock')
  @HttpCode(HttpStatus.OK)
  @Access({ permission: 'admin' })
  @ApiOkResponse({
    type: UserDto,
    description:
      'The lock that failed sign-ins put on the user name is lifted and its failures forgotten; recorded in the audit log as `user.unlocked`.',
  })
  @ApiNotFoundResponse()
  unlockUser(
    @Param('id', ParseIntPipe) id: number,
    @Auth() auth: AuthContext,
    @Client() client: ClientInfo,
  ): Promise<UserDto> {
    return this.service.unlock(id, auth.user, client);
  }

  @Delete(':id/sessions')
  @HttpCode(HttpStatus.NO_CONTENT)
  @Access({ permission: 'admin' })
  @ApiNoContentResponse({ description: 'Every session of the user is ended.' })
  @ApiNotFoundResponse()
  revokeUserSessions(
    @Param('id', ParseIntPipe) id: number,
    @Auth() auth: AuthContext,
    @Client() client: ClientInfo,
  ): Promise<void> {
    return this.service.revokeSessions(id, auth.user, client);
  }

  @Delete(':id/totp')
  @HttpCode(HttpStatus.NO_CONTENT)
  @Access({ permission: 'admin' })
  @ApiNoContentResponse({
    description:
      'Two-factor sign-in is off for that user (for a lost phone): recovery codes gone, every session of theirs ended.',
  })
  @ApiForbiddenResponse({ description: '`use_account_route`: your own goes off at DELETE /api/account/totp.' })
  @ApiNotFoundResponse()
  @ApiConflictResponse({ description: '`totp_not_enabled`.' })
  disableUserTotp(
    @Param('id', ParseIntPipe) id: number,
    @Auth() auth: AuthContext,
    @Client() client: ClientInfo,
  ): Promise<void> {
    return this.service.disableTotp(id, webActor(auth.user, client));
  }
}
