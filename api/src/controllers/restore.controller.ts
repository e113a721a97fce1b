import { Body, Controller, HttpCode, HttpStatus, Post, Req, ValidationPipe } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiConsumes,
  ApiExtraModels,
  ApiGoneResponse,
  ApiOkResponse,
  ApiPayloadTooLargeResponse,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import { type Request } from 'express';
import {
  ApplyRestoreDto,
  PreviewStoredBackupDto,
  PreviewUploadDto,
  RestoreAppliedDto,
  RestorePreviewDto,
} from '../dtos/restore.dto.js';
import { Access, Auth } from '../middleware/access.decorator.js';
import { Client } from '../middleware/client.js';
import { type ClientInfo } from '../services/client-info.js';
import { RestoreService } from '../services/restore.service.js';
import { type AuthContext } from '../services/session.service.js';

/** The JSON form is validated here: the route takes multipart bodies too, which no body parser reads. */
const storedBackupPipe = new ValidationPipe({ transform: true, whitelist: true, forbidNonWhitelisted: true });

@ApiTags('backups')
@ApiExtraModels(PreviewStoredBackupDto, PreviewUploadDto)
@Controller('api/backups/restore')
export class RestoreController {
  constructor(private readonly service: RestoreService) {}

  @Post('preview')
  @HttpCode(HttpStatus.OK)
  @Access({ permission: 'admin', upload: true })
  @ApiConsumes('multipart/form-data', 'application/json')
  @ApiBody({
    description:
      'An upload (multipart: `file`, `passphrase`; 50 MB at most, streamed to disk) or a stored backup (JSON).',
    schema: { oneOf: [{ $ref: getSchemaPath(PreviewUploadDto) }, { $ref: getSchemaPath(PreviewStoredBackupDto) }] },
  })
  @ApiOkResponse({
    type: RestorePreviewDto,
    description: 'What the restore would bring back, and a token to apply it; nothing is changed.',
  })
  @ApiBadRequestResponse({
    description:
      '`backup_unreadable` (wrong passphrase or damaged file), `not_a_backup`, `backup_newer_format`, `no_slot_for_secret`, `upload_invalid`.',
  })
  @ApiPayloadTooLargeResponse({ description: '`payload_too_large`: the file is over 50 MB; nothing is kept.' })
  async previewRestore(@Req() request: Request, @Auth() auth: AuthContext): Promise<RestorePreviewDto> {
    if (request.is('multipart/form-data') === 'multipart/form-data') {
      return this.service.previewUpload(request.headers, request, auth);
    }
    const body = (await storedBackupPipe.transform(request.body ?? {}, {
      type: 'body',
      metatype: PreviewStoredBackupDto,
    })) as PreviewStoredBackupDto;
    return this.service.previewStored(body.backupId, body.passphrase, auth);
  }

  @Post('apply')
  @HttpCode(HttpStatus.ACCEPTED)
  @Access({ permission: 'admin' })
  @ApiAcceptedResponse({
    type: RestoreAppliedDto,
    description:
      'A `pre-restore` backup was made and the restore staged; the API restarts with it (every session signed out).',
  })
  @ApiBadRequestResponse({ description: '`wrong_password`.' })
  @ApiConflictResponse({ description: '`restore_token_used`, `restore_already_staged`.' })
  @ApiGoneResponse({ description: "`restore_token_invalid`: expired, or not this session's; preview again." })
  applyRestore(
    @Body() body: ApplyRestoreDto,
    @Auth() auth: AuthContext,
    @Client() client: ClientInfo,
  ): Promise<RestoreAppliedDto> {
    return this.service.apply(body.token, body.password, auth, client);
  }
}
