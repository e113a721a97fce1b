import { ApiProperty } from '@nestjs/swagger';
import { IsBoolean, IsInt, Max, Min } from 'class-validator';

export const IDLE_TIMEOUT_MINUTES = { min: 1, max: 1440, default: 30 } as const;
export const ABSOLUTE_LIFETIME_HOURS = { min: 1, max: 720, default: 12 } as const;

export class SecuritySettingsDto {
  @ApiProperty({
    type: 'integer',
    minimum: IDLE_TIMEOUT_MINUTES.min,
    maximum: IDLE_TIMEOUT_MINUTES.max,
    default: IDLE_TIMEOUT_MINUTES.default,
    description: 'A session unused for this long ends.',
  })
  @IsInt()
  @Min(IDLE_TIMEOUT_MINUTES.min)
  @Max(IDLE_TIMEOUT_MINUTES.max)
  idleTimeoutMinutes: number;

  @ApiProperty({
    type: 'integer',
    minimum: ABSOLUTE_LIFETIME_HOURS.min,
    maximum: ABSOLUTE_LIFETIME_HOURS.max,
    default: ABSOLUTE_LIFETIME_HOURS.default,
    description: 'A session ends this long after sign-in, however busy.',
  })
  @IsInt()
  @Min(ABSOLUTE_LIFETIME_HOURS.min)
  @Max(ABSOLUTE_LIFETIME_HOURS.max)
  absoluteLifetimeHours: number;

  @ApiProperty({ default: false, description: 'Every user must set up two-factor sign-in.' })
  @IsBoolean()
  requireTotp: boolean;
}
