import { ApiProperty } from '@nestjs/swagger';

export type DatabaseState = 'ok' | 'error';
export type FirmwareState = 'ok' | 'unavailable';

export class HealthDto {
  @ApiProperty({ enum: ['ok', 'degraded'], description: '`ok` only when every check below is `ok`.' })
  status: 'ok' | 'degraded';

  @ApiProperty({
    enum: ['ok', 'error'],
    description: 'The database answers a query. When not, the status code is 503.',
  })
  database: DatabaseState;

  @ApiProperty({ enum: ['ok', 'unavailable'], description: "burrowd's control socket is present." })
  firmware: FirmwareState;

  @ApiProperty({ example: '0.1.0' })
  version: string;
}

export function mapHealth(database: DatabaseState, firmware: FirmwareState, version: string): HealthDto {
  return { status: database === 'ok' && firmware === 'ok' ? 'ok' : 'degraded', database, firmware, version };
}
