import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Put } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import {
  ClearConsolePasswordDto,
  ConsolePasswordStatusDto,
  SetConsolePasswordDto,
} from '../dtos/console-password.dto.js';
import { SystemStatusDto } from '../dtos/system-status.dto.js';
import { Access, Auth } from '../middleware/access.decorator.js';
import { Client } from '../middleware/client.js';
import { type ClientInfo } from '../services/client-info.js';
import { ConsolePasswordService } from '../services/console-password.service.js';
import { type AuthContext } from '../services/session.service.js';
import { SystemService } from '../services/system.service.js';

@ApiTags('system')
@Controller('api/system')
export class SystemController {
  constructor(
    private readonly service: SystemService,
    private readonly consolePassword: ConsolePasswordService,
  ) {}

  @Get('status')
  @Access({ permission: 'read' })
  @ApiOkResponse({ type: SystemStatusDto })
  getSystemStatus(): Promise<SystemStatusDto> {
    return this.service.getStatus();
  }

  @Get('console-password')
  @Access({ permission: 'admin' })
  @ApiOkResponse({
    type: ConsolePasswordStatusDto,
    description: 'Whether a console password is set; never the password.',
  })
  getConsolePassword(): Promise<ConsolePasswordStatusDto> {
    return this.consolePassword.status();
  }

  @Put('console-password')
  @Access({ permission: 'admin' })
  @ApiOkResponse({ type: ConsolePasswordStatusDto, description: 'Set (or replaced).' })
  @ApiBadRequestResponse({ description: '`weak_password`, or `wrong_password` for your own password.' })
  async setConsolePassword(
    @Body() body: SetConsolePasswordDto,
    @Auth() auth: AuthContext,
    @Client() client: ClientInfo,
  ): Promise<ConsolePasswordStatusDto> {
    await this.consolePassword.set(body.password, body.currentPassword, auth, client);
    return this.consolePassword.status();
  }

  @Delete('console-password')
  @HttpCode(HttpStatus.NO_CONTENT)
  @Access({ permission: 'admin' })
  @ApiNoContentResponse({ description: 'Cleared (or none was set): the console asks for a confirmation only.' })
  @ApiBadRequestResponse({ description: '`wrong_password` for your own password.' })
  clearConsolePassword(
    @Body() body: ClearConsolePasswordDto,
    @Auth() auth: AuthContext,
    @Client() client: ClientInfo,
  ): Promise<void> {
    return this.consolePassword.clear(body.currentPassword, auth, client);
  }
}
