import { ApiProperty } from '@nestjs/swagger';
import { type DiskUsage, type MemoryUsage } from '../repositories/host.repository.js';
import { type NetworkInterface } from '../repositories/network-interfaces.js';
import { type InterfaceRole, type RouterInterfaceReport } from '../services/router-report.js';

export const INTERFACE_ROLES: readonly InterfaceRole[] = ['wan', 'lan-bridge', 'lan-port', 'tunnel', 'other'];
export type InterfacesSource = 'router' | 'api-host';

export class LoadAverageDto {
  @ApiProperty({ description: 'Run-queue length averaged over 1 minute.' })
  one: number;

  @ApiProperty()
  five: number;

  @ApiProperty()
  fifteen: number;
}

export class CpuDto {
  @ApiProperty()
  model: string;

  @ApiProperty({ type: 'integer' })
  cores: number;

  @ApiProperty({ description: 'Busy share of all cores since the previous status request, 0–100.' })
  usagePercent: number;
}

export class MemoryDto {
  @ApiProperty({ type: 'integer' })
  totalBytes: number;

  @ApiProperty({ type: 'integer', description: 'Memory that cannot be reclaimed: total minus available.' })
  usedBytes: number;

  @ApiProperty({
    type: 'integer',
    description: 'Memory a new program could use without swapping, page cache included.',
  })
  availableBytes: number;
}

export class DiskDto {
  @ApiProperty({ description: 'The data directory, whose file system is reported.' })
  path: string;

  @ApiProperty({ type: 'integer' })
  totalBytes: number;

  @ApiProperty({ type: 'integer' })
  usedBytes: number;

  @ApiProperty({
    type: 'integer',
    description: 'Free space an unprivileged process may use (excludes blocks reserved for root).',
  })
  availableBytes: number;
}

export class InterfaceAddressDto {
  @ApiProperty({ enum: ['ipv4', 'ipv6'] })
  family: 'ipv4' | 'ipv6';

  @ApiProperty({ example: '192.168.1.1' })
  address: string;

  @ApiProperty({ type: 'integer', example: 24 })
  prefixLength: number;
}

export class NetworkInterfaceDto {
  @ApiProperty({ example: 'eth0' })
  name: string;

  @ApiProperty({
    enum: INTERFACE_ROLES,
    enumName: 'InterfaceRole',
    nullable: true,
    description: "What the interface is to the router; null for the API host's interfaces, which have no role.",
  })
  role: InterfaceRole | null;

  @ApiProperty({ type: String, nullable: true, description: 'Null for interfaces without a hardware address.' })
  mac: string | null;

  @ApiProperty({ type: 'integer', nullable: true, description: "Null for the API host's interfaces." })
  mtu: number | null;

  @ApiProperty({ description: 'Administratively up and, where the driver reports it, with a link.' })
  up: boolean;

  @ApiProperty({ type: [InterfaceAddressDto] })
  addresses: InterfaceAddressDto[];

  @ApiProperty({ type: 'integer' })
  rxBytes: number;

  @ApiProperty({ type: 'integer' })
  txBytes: number;

  @ApiProperty({ type: 'integer' })
  rxPackets: number;

  @ApiProperty({ type: 'integer' })
  txPackets: number;

  @ApiProperty({ type: 'integer' })
  rxErrors: number;

  @ApiProperty({ type: 'integer' })
  txErrors: number;
}

export class SystemStatusDto {
  @ApiProperty()
  hostname: string;

  @ApiProperty({ example: '0.1.0' })
  firmwareVersion: string;

  @ApiProperty({ format: 'date-time', description: "The router's clock." })
  time: string;

  @ApiProperty({ type: 'integer', description: 'Seconds since the system booted.' })
  uptimeSeconds: number;

  @ApiProperty({ type: LoadAverageDto })
  load: LoadAverageDto;

  @ApiProperty({ type: CpuDto })
  cpu: CpuDto;

  @ApiProperty({ type: MemoryDto })
  memory: MemoryDto;

  @ApiProperty({ type: DiskDto })
  disk: DiskDto;

  @ApiProperty({ type: Number, nullable: true, description: 'CPU temperature; null when the board reports none.' })
  temperatureCelsius: number | null;

  @ApiProperty({ type: [NetworkInterfaceDto] })
  interfaces: NetworkInterfaceDto[];

  @ApiProperty({
    enum: ['router', 'api-host'],
    enumName: 'InterfacesSource',
    description:
      "Whose interfaces these are: the router's, as burrowd reports them, or the API host's while burrowd does not answer.",
  })
  interfacesSource: InterfacesSource;
}

export interface SystemStatusParts {
  hostname: string;
  firmwareVersion: string;
  time: Date;
  uptimeSeconds: number;
  load: readonly [one: number, five: number, fifteen: number];
  cpu: CpuDto;
  memory: MemoryUsage;
  diskPath: string;
  disk: DiskUsage;
  temperatureCelsius: number | null;
  interfaces: { source: 'router'; list: RouterInterfaceReport[] } | { source: 'api-host'; list: NetworkInterface[] };
}

export function mapSystemStatus(parts: SystemStatusParts): SystemStatusDto {
  const [one, five, fifteen] = parts.load;
  const { totalBytes, availableBytes } = parts.memory;
  return {
    hostname: parts.hostname,
    firmwareVersion: parts.firmwareVersion,
    time: parts.time.toISOString(),
    uptimeSeconds: Math.floor(parts.uptimeSeconds),
    load: { one, five, fifteen },
    cpu: parts.cpu,
    memory: { totalBytes, usedBytes: Math.max(totalBytes - availableBytes, 0), availableBytes },
    disk: {
      path: parts.diskPath,
      totalBytes: parts.disk.totalBytes,
      // Like df: used counts blocks in use, available what a non-root writer may still take.
      usedBytes: parts.disk.totalBytes - parts.disk.freeBytes,
      availableBytes: parts.disk.availableBytes,
    },
    temperatureCelsius: parts.temperatureCelsius,
    interfaces:
      parts.interfaces.source === 'router'
        ? parts.interfaces.list.map(mapRouterInterface)
        : parts.interfaces.list.map(mapNetworkInterface),
    interfacesSource: parts.interfaces.source,
  };
}

function mapNetworkInterface({ name, mac, up, addresses, counters }: NetworkInterface): NetworkInterfaceDto {
  return { name, role: null, mac, mtu: null, up, addresses: addresses.map((address) => ({ ...address })), ...counters };
}

function mapRouterInterface(nic: RouterInterfaceReport): NetworkInterfaceDto {
  const { name, role, mac, mtu, up, addresses, counters } = nic;
  return { name, role, mac, mtu, up, addresses: addresses.map((address) => ({ ...address })), ...counters };
}
