import { ApiProperty } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import { type TrafficHistory } from '../services/traffic-history.service.js';
import { TRAFFIC_RANGES, type TrafficRange } from '../services/traffic-range.js';

export class TrafficQueryDto {
  @ApiProperty({
    enum: TRAFFIC_RANGES,
    enumName: 'TrafficRange',
    description: 'hour: 60 one-minute points; day: 144 ten-minute points; month: 180 four-hour points.',
  })
  @IsIn(TRAFFIC_RANGES)
  range: TrafficRange;
}

export class TrafficTotalsDto {
  @ApiProperty({ type: 'integer', description: 'Bytes that came in through the tunnel.' })
  rxBytes: number;

  @ApiProperty({ type: 'integer', description: 'Bytes that went out through the tunnel.' })
  txBytes: number;
}

export class TrafficPointDto extends TrafficTotalsDto {
  @ApiProperty({ format: 'date-time', description: 'The start of the point; it lasts `stepSeconds`.' })
  at: string;
}

export class TunnelTrafficDto {
  @ApiProperty({ enum: TRAFFIC_RANGES, enumName: 'TrafficRange' })
  range: TrafficRange;

  @ApiProperty({ type: 'integer', description: 'How long each point lasts.' })
  stepSeconds: number;

  @ApiProperty({
    type: [TrafficPointDto],
    description: 'Oldest first, every point present (zero when nothing was carried); the last one is the current.',
  })
  points: TrafficPointDto[];

  @ApiProperty({
    type: TrafficTotalsDto,
    description: 'The sum of the points: what this profile carried in the range, up to a couple of seconds ago.',
  })
  totals: TrafficTotalsDto;
}

export function mapTunnelTraffic(history: TrafficHistory): TunnelTrafficDto {
  return {
    range: history.range,
    stepSeconds: history.stepSeconds,
    points: history.points.map((point) => ({
      at: new Date(point.at * 1000).toISOString(),
      rxBytes: point.rxBytes,
      txBytes: point.txBytes,
    })),
    totals: { rxBytes: history.totals.rxBytes, txBytes: history.totals.txBytes },
  };
}
