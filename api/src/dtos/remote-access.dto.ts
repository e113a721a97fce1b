import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  ValidateIf,
} from 'class-validator';
import { INPUT_MAX_LENGTH } from './user.dto.js';

export const REMOTE_REACHES = ['lan', 'internet'] as const;
export type RemoteReach = (typeof REMOTE_REACHES)[number];

const REACH_DESCRIPTION =
  '`lan`: the LAN only; `internet`: the LAN, and the Internet through the upstream tunnel (never the WAN in the clear).';

export class RemoteAccessDto {
  @ApiProperty({
    description: 'The router answers remote devices (a second WireGuard interface; the WAN opens the port).',
  })
  enabled: boolean;

  @ApiProperty({ type: 'integer', description: 'The UDP port the WAN opens for it.', example: 51820 })
  listenPort: number;

  @ApiProperty({ description: "The router's address in the devices' IPv4 subnet.", example: '10.99.0.1/24' })
  addressV4: string;

  @ApiProperty({
    type: 'string',
    nullable: true,
    description: "The router's address in the devices' IPv6 ULA subnet.",
    example: 'fd99::1/64',
  })
  addressV6: string | null;

  @ApiProperty({
    type: 'string',
    nullable: true,
    description: 'What devices dial: a DNS name or an address; null: the WAN address.',
  })
  endpointHost: string | null;

  @ApiProperty({
    type: 'string',
    nullable: true,
    description: "The WAN's IPv4 address as burrowd reports it (offered as the endpoint).",
  })
  wanAddress: string | null;

  @ApiProperty({
    type: 'string',
    nullable: true,
    description: "The router's public key as the devices' server; null before it was first enabled.",
  })
  publicKey: string | null;
}

export class UpdateRemoteAccessDto {
  @ApiProperty()
  @IsBoolean()
  enabled: boolean;

  @ApiProperty({ type: 'integer', minimum: 1, maximum: 65535 })
  @IsInt()
  @Min(1)
  @Max(65535)
  listenPort: number;

  @ApiProperty({ description: "The router's address with the subnet's prefix length, e.g. 10.99.0.1/24." })
  @IsString()
  @MaxLength(INPUT_MAX_LENGTH)
  addressV4: string;

  @ApiProperty({ type: 'string', nullable: true, description: 'e.g. fd99::1/64 (a ULA); null: IPv4 only.' })
  @ValidateIf((_, value) => value !== null)
  @IsString()
  @MaxLength(INPUT_MAX_LENGTH)
  addressV6: string | null;

  @ApiProperty({ type: 'string', nullable: true, description: 'A DNS name or an address; null: the WAN address.' })
  @ValidateIf((_, value) => value !== null)
  @IsString()
  @MaxLength(INPUT_MAX_LENGTH)
  endpointHost: string | null;
}

export class RemoteDeviceDto {
  @ApiProperty({ type: 'integer' })
  id: number;

  @ApiProperty({ description: 'Display as text, never as HTML.' })
  name: string;

  @ApiProperty({ description: "The device's public key (its private key is never stored)." })
  publicKey: string;

  @ApiProperty({
    type: [String],
    description: 'Its addresses in the remote-access subnets, one per family.',
    example: ['10.99.0.2/32'],
  })
  addresses: string[];

  @ApiProperty({ enum: REMOTE_REACHES, enumName: 'RemoteReach', description: REACH_DESCRIPTION })
  reach: RemoteReach;

  @ApiProperty()
  enabled: boolean;

  @ApiProperty({
    type: 'string',
    format: 'date-time',
    nullable: true,
    description: 'After it, the device gets no handshake.',
  })
  expiresAt: string | null;

  @ApiProperty({ description: 'expiresAt has passed.' })
  expired: boolean;

  @ApiProperty({ description: 'The keys were generated on the router (the .conf was shown once), not pasted.' })
  keysGeneratedOnBox: boolean;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;

  @ApiProperty({ type: 'string', format: 'date-time', nullable: true })
  lastHandshakeAt: string | null;

  @ApiProperty({ type: 'string', nullable: true, description: 'Where its packets last came from (address:port).' })
  endpoint: string | null;

  @ApiProperty({ type: 'integer', description: 'Bytes the router received from it since burrowd last configured it.' })
  rxBytes: number;

  @ApiProperty({ type: 'integer', description: 'Bytes the router sent it since burrowd last configured it.' })
  txBytes: number;
}

export class CreateRemoteDeviceDto {
  @ApiProperty({ description: '1 to 64 characters, no control characters.' })
  @IsString()
  @MaxLength(INPUT_MAX_LENGTH)
  name: string;

  @ApiProperty({ enum: REMOTE_REACHES, enumName: 'RemoteReach', description: REACH_DESCRIPTION })
  @IsIn(REMOTE_REACHES)
  reach: RemoteReach;

  @ApiPropertyOptional({ type: 'string', format: 'date-time', nullable: true, description: 'null or absent: never.' })
  @IsOptional()
  @IsISO8601({ strict: true })
  expiresAt?: string | null;

  @ApiPropertyOptional({
    description: "The device's own public key (base64); absent: keys are generated on the router.",
  })
  @IsOptional()
  @IsString()
  @MaxLength(INPUT_MAX_LENGTH)
  publicKey?: string;
}

export class UpdateRemoteDeviceDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(INPUT_MAX_LENGTH)
  name?: string;

  @ApiPropertyOptional({ enum: REMOTE_REACHES, enumName: 'RemoteReach' })
  @IsOptional()
  @IsIn(REMOTE_REACHES)
  reach?: RemoteReach;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({ type: 'string', format: 'date-time', nullable: true, description: 'null: never.' })
  @IsOptional()
  @IsISO8601({ strict: true })
  expiresAt?: string | null;
}

/** The one answer that carries a device's configuration (and, when generated here, its private key). */
export class RemoteDeviceConfigDto {
  @ApiProperty({ type: RemoteDeviceDto })
  device: RemoteDeviceDto;

  @ApiProperty({ description: 'The wg-quick .conf for the device; shown once, never stored with its private key.' })
  config: string;

  @ApiProperty({
    description: 'A PNG data URL of a QR code of exactly `config`.',
    example: 'data:image/png;base64,...',
  })
  qrCode: string;

  @ApiProperty({
    description: 'A file name for the download: `<name>.conf` in safe characters.',
    example: 'phone.conf',
  })
  fileName: string;
}
