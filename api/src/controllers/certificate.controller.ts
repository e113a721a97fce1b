import { Body, Controller, Get, Header, HttpCode, HttpStatus, Post, Res, StreamableFile } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiOkResponse,
  ApiPayloadTooLargeResponse,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import { type Response } from 'express';
import { pemToDer } from '../certificates/x509/describe.js';
import { CertificatesDto, ImportCertificateDto } from '../dtos/certificate.dto.js';
import { Access, Auth } from '../middleware/access.decorator.js';
import { Client } from '../middleware/client.js';
import { type ClientInfo } from '../services/client-info.js';
import { CertificateService } from '../services/certificate.service.js';
import { type AuthContext } from '../services/session.service.js';

/** A download: the browser saves it rather than showing it, and never guesses another type. */
function download(response: Response, type: string, filename: string): void {
  response.setHeader('Content-Type', type);
  response.setHeader('Content-Disposition', `attachment; filename="${filename}"`);
}

@ApiTags('certificates')
@Controller('api/certificates')
export class CertificateController {
  constructor(private readonly certificates: CertificateService) {}

  @Get()
  @Access({ permission: 'read' })
  @ApiOkResponse({ type: CertificatesDto })
  getCertificates(): Promise<CertificatesDto> {
    return this.certificates.status();
  }

  // Public, and also answered over plain HTTP: a new device fetches the CA before it can trust HTTPS. The user
  // compares the fingerprint with the one the recovery console shows.
  @Get('ca.pem')
  @Access({ permission: 'public' })
  @Header('Cache-Control', 'no-store')
  @ApiProduces('application/x-pem-file')
  @ApiOkResponse({ description: "The router's CA certificate, PEM.", schema: { type: 'string' } })
  getAuthorityPem(@Res({ passthrough: true }) response: Response): string {
    download(response, 'application/x-pem-file', 'burrow-ca.pem');
    return this.certificates.authorityPem();
  }

  @Get('ca.der')
  @Access({ permission: 'public' })
  @Header('Cache-Control', 'no-store')
  @ApiProduces('application/pkix-cert')
  @ApiOkResponse({ description: "The router's CA certificate, DER.", schema: { type: 'string', format: 'binary' } })
  getAuthorityDer(): StreamableFile {
    return new StreamableFile(pemToDer(this.certificates.authorityPem()), {
      type: 'application/pkix-cert',
      disposition: 'attachment; filename="burrow-ca.cer"',
    });
  }

  @Post('renew')
  @HttpCode(HttpStatus.OK)
  @Access({ permission: 'admin' })
  @ApiOkResponse({ type: CertificatesDto })
  renew(@Auth() auth: AuthContext, @Client() client: ClientInfo): Promise<CertificatesDto> {
    return this.certificates.renew(auth.user, client);
  }

  @Post('import')
  @HttpCode(HttpStatus.OK)
  @Access({ permission: 'admin' })
  @ApiOkResponse({ type: CertificatesDto })
  @ApiBadRequestResponse({ description: '`certificate_refused`: the message names the check that failed.' })
  @ApiPayloadTooLargeResponse({ description: '`payload_too_large`: the upload is bigger than any certificate chain.' })
  import(
    @Body() body: ImportCertificateDto,
    @Auth() auth: AuthContext,
    @Client() client: ClientInfo,
  ): Promise<CertificatesDto> {
    return this.certificates.import(body, auth.user, client);
  }

  @Post('revert')
  @HttpCode(HttpStatus.OK)
  @Access({ permission: 'admin' })
  @ApiOkResponse({ type: CertificatesDto })
  revert(@Auth() auth: AuthContext, @Client() client: ClientInfo): Promise<CertificatesDto> {
    return this.certificates.revert(auth.user, client);
  }
}
