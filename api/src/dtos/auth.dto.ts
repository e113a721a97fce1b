import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { UserEntity } from '../entities/user.entity.js';
import { EXIT_CHECK_URL_MAX_LENGTH } from '../services/exit-check-url.js';
import { INPUT_MAX_LENGTH, mapUser, NEW_PASSWORD_DESCRIPTION, USERNAME_DESCRIPTION, UserDto } from './user.dto.js';

export class SetupStatusDto {
  @ApiProperty({ description: 'No user exists yet: the first admin must be created with POST /api/setup.' })
  setupRequired: boolean;
}

export class SetupDto {
  @ApiProperty({ description: USERNAME_DESCRIPTION })
  @IsString()
  @MaxLength(INPUT_MAX_LENGTH)
  username: string;

  @ApiProperty({ description: NEW_PASSWORD_DESCRIPTION })
  @IsString()
  @MaxLength(INPUT_MAX_LENGTH)
  password: string;

  @ApiPropertyOptional({
    description:
      'The exit check\'s "what is my address" URL, fetched through the tunnel; absent or empty: no check (the default).',
    maxLength: EXIT_CHECK_URL_MAX_LENGTH,
  })
  @IsOptional()
  @IsString()
  @MaxLength(EXIT_CHECK_URL_MAX_LENGTH)
  exitCheckUrl?: string;

  @ApiPropertyOptional({
    description:
      'The backup passphrase (at least 12 characters), so backups can be restored on another box; absent or empty: none yet (it can be set later on the Backups page).',
  })
  @IsOptional()
  @IsString()
  @MaxLength(INPUT_MAX_LENGTH)
  backupPassphrase?: string;
}

export class LoginDto {
  @ApiProperty()
  @IsString()
  @MaxLength(INPUT_MAX_LENGTH)
  username: string;

  @ApiProperty()
  @IsString()
  @MaxLength(INPUT_MAX_LENGTH)
  password: string;

  @ApiPropertyOptional({
    description: 'The 6-digit code from the authenticator app, or one unused recovery code (`xxxx-xxxx`).',
  })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  totp?: string;
}

/** A signed-in session as the page needs it. The session id itself travels only in the HttpOnly cookie. */
export class AuthSessionDto {
  @ApiProperty({ type: UserDto })
  user: UserDto;

  @ApiProperty({ description: 'Send as the X-CSRF-Token header on every POST, PUT, PATCH and DELETE.' })
  csrfToken: string;

  @ApiProperty({
    description:
      'Admins require two-factor sign-in and this user has none: until enrolled, only auth/* and account/totp/* routes answer.',
  })
  mustEnrolTotp: boolean;

  @ApiProperty({
    description:
      'The password was reset from the recovery console (a one-time password): until it is changed with POST /api/account/password, every other route but reading the session and signing out answers 403 `password_change_required`.',
  })
  passwordMustChange: boolean;
}

export function mapAuthSession(user: UserEntity, csrfToken: string, mustEnrolTotp: boolean): AuthSessionDto {
  return { user: mapUser(user), csrfToken, mustEnrolTotp, passwordMustChange: user.passwordMustChange };
}
