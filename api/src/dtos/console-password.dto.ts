import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength } from 'class-validator';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../services/password-policy.js';
import { INPUT_MAX_LENGTH } from './user.dto.js';

export class ConsolePasswordStatusDto {
  @ApiProperty({
    description:
      "A console password is set: the recovery console asks for it before it opens a shell on the router's screen or serial port. Otherwise it asks only for a confirmation.",
  })
  set: boolean;

  @ApiProperty({ type: 'string', format: 'date-time', nullable: true, description: 'When it was last set.' })
  updatedAt: string | null;
}

export class SetConsolePasswordDto {
  @ApiProperty({
    description: `The console password: at least ${PASSWORD_MIN_LENGTH} and at most ${PASSWORD_MAX_LENGTH} characters, not on the list of common passwords. Stored only as a hash.`,
  })
  @IsString()
  @MaxLength(INPUT_MAX_LENGTH)
  password: string;

  @ApiProperty({ description: "The signed-in admin's own password." })
  @IsString()
  @MaxLength(INPUT_MAX_LENGTH)
  currentPassword: string;
}

export class ClearConsolePasswordDto {
  @ApiProperty({ description: "The signed-in admin's own password." })
  @IsString()
  @MaxLength(INPUT_MAX_LENGTH)
  currentPassword: string;
}
