import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { CONFIG_MAX_BYTES } from '../tunnels/wg-quick-parse.js';
import { INPUT_MAX_LENGTH } from './user.dto.js';

export const TUNNEL_NAME_MAX_LENGTH = 64;
export const TUNNEL_PROFILES_MAX = 32;

const CONFIG_DESCRIPTION =
  'The text of a wg-quick `.conf` file as a VPN provider or a WireGuard app writes it. PreUp, PostUp, PreDown and PostDown are refused.';

export class TunnelPeerDto {
  @ApiProperty({ description: "The VPN server's public key, base64." })
  publicKey: string;

  @ApiProperty({ description: '`host:port` or `[IPv6]:port`; a host name is resolved on the router.' })
  endpoint: string;

  @ApiProperty({ type: [String], description: 'What goes through the tunnel to this server.' })
  allowedIps: string[];

  @ApiProperty({ type: 'integer', nullable: true, description: 'Seconds; null: off.' })
  persistentKeepalive: number | null;

  @ApiProperty({ description: 'A preshared key is set; it is never returned.' })
  hasPresharedKey: boolean;
}

/** What a profile says, without its secrets. */
export class TunnelFieldsDto {
  @ApiProperty({
    description: "This router's public key for the provider (derived from the private key, which is never returned).",
  })
  publicKey: string;

  @ApiProperty({ type: [String] })
  addresses: string[];

  @ApiProperty({ type: [String], description: 'Resolvers inside the tunnel; LAN DNS is forwarded only to these.' })
  dns: string[];

  @ApiProperty({ type: [String], description: 'Handed to LAN devices by DHCP.' })
  searchDomains: string[];

  @ApiProperty({ type: 'integer', nullable: true, description: 'null: the router chooses (1420).' })
  mtu: number | null;

  @ApiProperty({ type: [TunnelPeerDto] })
  peers: TunnelPeerDto[];

  @ApiProperty({ type: [String], description: 'What will not go through the tunnel, in plain words.' })
  warnings: string[];
}

export class TunnelDto extends TunnelFieldsDto {
  @ApiProperty({ type: 'integer' })
  id: number;

  @ApiProperty({ description: 'Display as text, never as HTML.' })
  name: string;

  @ApiProperty({ type: 'integer', description: '0 is tried first.' })
  priority: number;

  @ApiProperty({ description: 'Takes part in failover.' })
  enabled: boolean;

  @ApiProperty({ description: 'Chosen by hand to carry traffic while it works (POST …/activate).' })
  selected: boolean;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt: string;
}

export class CheckTunnelDto {
  @ApiProperty({ description: CONFIG_DESCRIPTION })
  @IsString()
  @MaxLength(CONFIG_MAX_BYTES)
  config: string;
}

export class ImportTunnelDto extends CheckTunnelDto {
  @ApiProperty({ description: `1 to ${TUNNEL_NAME_MAX_LENGTH} characters, unique regardless of case.` })
  @IsString()
  @MaxLength(INPUT_MAX_LENGTH)
  name: string;
}

export class TunnelCheckDto extends TunnelFieldsDto {
  @ApiProperty({ type: [String], description: 'Lines accepted and ignored (Table, FwMark, SaveConfig, ListenPort).' })
  notices: string[];
}

export class TunnelImportDto {
  @ApiProperty({ type: TunnelDto })
  tunnel: TunnelDto;

  @ApiProperty({ type: [String] })
  notices: string[];
}

export class UpdateTunnelDto {
  @ApiPropertyOptional({ description: `1 to ${TUNNEL_NAME_MAX_LENGTH} characters, unique regardless of case.` })
  @IsOptional()
  @IsString()
  @MaxLength(INPUT_MAX_LENGTH)
  name?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({ type: 'integer', description: 'The new place in the list, 0 first; the others shift.' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(TUNNEL_PROFILES_MAX)
  priority?: number;
}

export class ExportTunnelDto {
  @ApiProperty({ description: "The signed-in admin's current password: the export then includes the keys." })
  @IsString()
  @MaxLength(INPUT_MAX_LENGTH)
  password: string;
}

export class KillSwitchDto {
  @ApiProperty({
    description:
      'On: LAN devices reach the Internet only through the tunnel, also while it is down. Off: whenever the tunnel is down they use the ISP directly, unencrypted.',
  })
  @IsBoolean()
  enabled: boolean;
}
