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
  Post,
  Put,
  StreamableFile,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiProduces,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { BackupDto, BackupSettingsDto, UpdateBackupSettingsDto } from '../dtos/backup.dto.js';
import { Access, Auth } from '../middleware/access.decorator.js';
import { Client } from '../middleware/client.js';
import { BackupSettingsService } from '../services/backup-settings.service.js';
import { BackupService } from '../services/backup.service.js';
import { type ClientInfo } from '../services/client-info.js';
import { type AuthContext } from '../services/session.service.js';

@ApiTags('backups')
@Controller('api/backups')
export class BackupController {
  constructor(
    private readonly service: BackupService,
    private readonly settings: BackupSettingsService,
  ) {}

  @Get()
  @Access({ permission: 'admin' })
  @ApiOkResponse({ type: [BackupDto], description: 'Newest first.' })
  listBackups(): Promise<BackupDto[]> {
    return this.service.list();
  }

  @Post()
  @Access({ permission: 'admin' })
  @ApiCreatedResponse({ type: BackupDto, description: 'A manual backup, made now; audited.' })
  @ApiServiceUnavailableResponse({ description: '`backup_failed`.' })
  createBackup(@Auth() auth: AuthContext, @Client() client: ClientInfo): Promise<BackupDto> {
    return this.service.create('manual', { user: auth.user, client });
  }

  @Get('settings')
  @Access({ permission: 'admin' })
  @ApiOkResponse({ type: BackupSettingsDto })
  getBackupSettings(): Promise<BackupSettingsDto> {
    return this.settings.get();
  }

  @Put('settings')
  @Access({ permission: 'admin' })
  @ApiOkResponse({ type: BackupSettingsDto, description: 'Audited; the passphrase is never returned.' })
  @ApiBadRequestResponse({ description: '`backup_passphrase_too_short`, `password_required`, `wrong_password`.' })
  updateBackupSettings(
    @Body() body: UpdateBackupSettingsDto,
    @Auth() auth: AuthContext,
    @Client() client: ClientInfo,
  ): Promise<BackupSettingsDto> {
    return this.service.updateSettings(body, auth, client);
  }

  @Get(':id/download')
  @Access({ permission: 'admin' })
  @Header('Cache-Control', 'no-store')
  @ApiProduces('application/octet-stream')
  @ApiOkResponse({
    description: 'The backup file as stored, as an attachment; audited.',
    schema: { type: 'string', format: 'binary' },
  })
  @ApiNotFoundResponse()
  async downloadBackup(
    @Param('id', ParseIntPipe) id: number,
    @Auth() auth: AuthContext,
    @Client() client: ClientInfo,
  ): Promise<StreamableFile> {
    const file = await this.service.download(id, auth.user, client);
    return new StreamableFile(file.stream, {
      type: 'application/octet-stream',
      disposition: `attachment; filename="${file.filename}"`,
      length: file.size,
    });
  }

  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @Access({ permission: 'admin' })
  @ApiNoContentResponse({ description: 'The file and its entry are gone; audited.' })
  @ApiNotFoundResponse()
  deleteBackup(
    @Param('id', ParseIntPipe) id: number,
    @Auth() auth: AuthContext,
    @Client() client: ClientInfo,
  ): Promise<void> {
    return this.service.delete(id, auth.user, client);
  }
}
