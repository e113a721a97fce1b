import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { type Role, ROLES, UserEntity } from '../entities/user.entity.js';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../services/password-policy.js';
import { USERNAME_MAX_LENGTH } from '../services/username-policy.js';

// Request fields are bounded here only so a huge value is refused before any work; the real rules (and their
// clear messages) live in the services' policies.
export const INPUT_MAX_LENGTH = 1024;

export const USERNAME_DESCRIPTION = `1 to ${USERNAME_MAX_LENGTH} characters, no control or invisible characters, no leading or trailing space; unique regardless of case, and must not look like an existing name (Unicode confusables).`;
export const NEW_PASSWORD_DESCRIPTION = `At least ${PASSWORD_MIN_LENGTH} and at most ${PASSWORD_MAX_LENGTH} characters, not on the list of common passwords.`;

export class UserDto {
  @ApiProperty({ type: 'integer' })
  id: number;

  @ApiProperty({ description: 'Display as text, never as HTML.' })
  username: string;

  @ApiProperty({ enum: ROLES, enumName: 'Role' })
  role: Role;

  @ApiProperty()
  disabled: boolean;

  @ApiProperty({ description: 'Two-factor sign-in (TOTP) is set up.' })
  totpEnabled: boolean;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;

  @ApiPropertyOptional({
    description:
      'Too many failed sign-ins: devices this user has not signed in from before are refused until `lockedUntil`, unless an admin unlocks the name. Only in the answers of /api/users.',
  })
  locked?: boolean;

  @ApiPropertyOptional({ type: 'string', format: 'date-time', nullable: true, description: 'When the lock ends.' })
  lockedUntil?: string | null;
}

export class CreateUserDto {
  @ApiProperty({ description: USERNAME_DESCRIPTION })
  @IsString()
  @MaxLength(INPUT_MAX_LENGTH)
  username: string;

  @ApiProperty({ description: NEW_PASSWORD_DESCRIPTION })
  @IsString()
  @MaxLength(INPUT_MAX_LENGTH)
  password: string;

  @ApiProperty({ enum: ROLES, enumName: 'Role' })
  @IsIn(ROLES)
  role: Role;
}

export class UpdateUserDto {
  @ApiPropertyOptional({
    enum: ROLES,
    enumName: 'Role',
    description: 'Changing it signs the user out everywhere.',
  })
  @IsOptional()
  @IsIn(ROLES)
  role?: Role;

  @ApiPropertyOptional({ description: 'Disabling signs the user out everywhere.' })
  @IsOptional()
  @IsBoolean()
  disabled?: boolean;

  @ApiPropertyOptional({ description: `${NEW_PASSWORD_DESCRIPTION} Setting it signs the user out everywhere.` })
  @IsOptional()
  @IsString()
  @MaxLength(INPUT_MAX_LENGTH)
  password?: string;
}

/** A user as admins manage it: with the lock on its name, if one is in force. */
export function mapManagedUser(user: UserEntity, lockedUntil: Date | undefined): UserDto {
  return { ...mapUser(user), locked: lockedUntil !== undefined, lockedUntil: lockedUntil?.toISOString() ?? null };
}

/** The only way a user leaves the service layer: no hash, no TOTP secret. */
export function mapUser(user: UserEntity): UserDto {
  return {
    id: user.id,
    username: user.username,
    role: user.role,
    disabled: user.disabled,
    totpEnabled: user.totpSecret !== null,
    createdAt: user.createdAt,
  };
}
