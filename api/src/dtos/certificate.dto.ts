import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength } from 'class-validator';

export const CERTIFICATE_MODES = ['built-in', 'imported'] as const;
export type CertificateMode = (typeof CERTIFICATE_MODES)[number];

/**
 * The longest PEM text accepted in each import field: a chain of four RSA-4096 certificates fits three times over,
 * and both fields fit the API's 64 KiB body limit together.
 */
export const MAX_IMPORT_PEM_CHARS = 30 * 1024;

export class CertificateDto {
  @ApiProperty({ example: 'CN=burrow.lan' })
  subject: string;

  @ApiProperty({ example: 'CN=Burrow router CA (burrow) 3f2a, O=Burrow' })
  issuer: string;

  @ApiProperty({ description: 'Hexadecimal.' })
  serialNumber: string;

  @ApiProperty({ type: [String], description: 'DNS names, then IP addresses, the certificate is valid for.' })
  names: string[];

  @ApiProperty({ format: 'date-time' })
  notBefore: string;

  @ApiProperty({ format: 'date-time' })
  notAfter: string;

  @ApiProperty({ description: 'SHA-256 of the DER encoding: uppercase hex pairs joined by colons.' })
  fingerprintSha256: string;

  @ApiProperty({ example: 'ECDSA P-256' })
  keyAlgorithm: string;
}

export class CertificatesDto {
  @ApiProperty({
    enum: CERTIFICATE_MODES,
    enumName: 'CertificateMode',
    description:
      "`built-in`: issued by the router's own CA. `imported`: an admin's certificate, served to browsers that ask " +
      'for one of its names; the built-in one still answers for the local names and addresses.',
  })
  mode: CertificateMode;

  @ApiProperty({
    type: [CertificateDto],
    description: 'The certificate in use (the imported one, if any), the server certificate first.',
  })
  chain: CertificateDto[];

  @ApiProperty({
    type: CertificateDto,
    description: "The router's own CA, also while an imported certificate is in use.",
  })
  authority: CertificateDto;

  @ApiProperty({
    type: [String],
    description:
      "Names and addresses the router answers to that the CA's name constraints keep out of its certificate.",
  })
  uncoveredNames: string[];

  @ApiProperty({ format: 'date-time', description: 'When the built-in certificate will be re-issued by itself.' })
  renewsAt: string;
}

export class ImportCertificateDto {
  @ApiProperty({
    maxLength: MAX_IMPORT_PEM_CHARS,
    description: 'PEM certificates: the server certificate first, then each issuer in order.',
  })
  @IsString()
  @MinLength(1)
  @MaxLength(MAX_IMPORT_PEM_CHARS)
  chain: string;

  @ApiProperty({ maxLength: MAX_IMPORT_PEM_CHARS, description: 'The PEM private key of the server certificate.' })
  @IsString()
  @MinLength(1)
  @MaxLength(MAX_IMPORT_PEM_CHARS)
  key: string;
}
