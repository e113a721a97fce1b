import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { INPUT_MAX_LENGTH } from './user.dto.js';

export const DEVICE_POLICIES = ['tunnel', 'blocked', 'direct'] as const;
export type DevicePolicyName = (typeof DEVICE_POLICIES)[number];

const POLICY_DESCRIPTION =
  '`tunnel` (the default): through the VPN; `blocked`: reaches only the router; `direct`: bypasses the VPN through the WAN.';

export class LanDhcpDto {
  @ApiProperty({ example: '192.168.8.100' })
  @IsString()
  @MaxLength(INPUT_MAX_LENGTH)
  rangeStart: string;

  @ApiProperty({ example: '192.168.8.250' })
  @IsString()
  @MaxLength(INPUT_MAX_LENGTH)
  rangeEnd: string;

  @ApiProperty({ type: 'integer', minimum: 120, example: 43200 })
  @IsInt()
  @Min(120)
  @Max(366 * 24 * 60 * 60)
  leaseSeconds: number;
}

export class LanSettingsDto {
  @ApiProperty({ description: "The router's LAN address with the subnet's prefix length.", example: '192.168.8.1/24' })
  address: string;

  @ApiProperty({ type: LanDhcpDto })
  dhcp: LanDhcpDto;

  @ApiProperty({ description: 'The local domain LAN names are answered in.', example: 'lan' })
  domain: string;

  @ApiProperty({ type: 'string', nullable: true, description: "The router's IPv6 ULA address on the LAN (read-only)." })
  ipv6Prefix: string | null;
}

export class UpdateLanDto {
  @ApiProperty({ example: '192.168.8.1/24' })
  @IsString()
  @MaxLength(INPUT_MAX_LENGTH)
  address: string;

  @ApiProperty({ type: LanDhcpDto })
  @ValidateNested()
  @Type(() => LanDhcpDto)
  dhcp: LanDhcpDto;

  @ApiProperty({ example: 'lan' })
  @IsString()
  @MaxLength(INPUT_MAX_LENGTH)
  domain: string;

  @ApiPropertyOptional({ description: "true: apply even though it cuts off the requesting admin's device." })
  @IsOptional()
  @IsBoolean()
  confirm?: boolean;
}

export class LanDeviceDto {
  @ApiProperty({ example: '3c:22:fb:12:34:56' })
  mac: string;

  @ApiProperty({ type: 'string', nullable: true, description: "The admin's name for it, else its DHCP host name." })
  name: string | null;

  @ApiProperty({ type: 'string', nullable: true, description: 'The host name it sent with DHCP.' })
  hostname: string | null;

  @ApiProperty({ type: [String] })
  ipv4: string[];

  @ApiProperty({ type: [String] })
  ipv6: string[];

  @ApiProperty({ format: 'date-time' })
  firstSeen: string;

  @ApiProperty({ format: 'date-time' })
  lastSeen: string;

  @ApiProperty({ description: 'Reachable in the neighbour table now, or holding a lease with bytes moving recently.' })
  online: boolean;

  @ApiProperty({ type: 'integer', description: 'Bytes the router sent to it, accumulated across burrowd restarts.' })
  rxBytes: number;

  @ApiProperty({
    type: 'integer',
    description: 'Bytes it sent through the router, accumulated across burrowd restarts.',
  })
  txBytes: number;

  @ApiProperty({ enum: DEVICE_POLICIES, enumName: 'DevicePolicy', description: POLICY_DESCRIPTION })
  policy: DevicePolicyName;

  @ApiProperty({ type: 'string', nullable: true, description: 'Its reserved IPv4 address (a static DHCP lease).' })
  reservation: string | null;
}

export class UpdateLanDeviceDto {
  @ApiPropertyOptional({ type: 'string', nullable: true, description: 'null: back to its DHCP host name.' })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsString()
  @MaxLength(INPUT_MAX_LENGTH)
  name?: string | null;

  @ApiPropertyOptional({ enum: DEVICE_POLICIES, enumName: 'DevicePolicy', description: POLICY_DESCRIPTION })
  @IsOptional()
  @IsIn(DEVICE_POLICIES)
  policy?: DevicePolicyName;

  @ApiPropertyOptional({ type: 'string', nullable: true, description: 'An IPv4 address in the LAN; null: none.' })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsString()
  @MaxLength(INPUT_MAX_LENGTH)
  reservation?: string | null;
}
