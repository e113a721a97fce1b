import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength } from 'class-validator';
import { INPUT_MAX_LENGTH, NEW_PASSWORD_DESCRIPTION } from './user.dto.js';

export class ChangePasswordDto {
  @ApiProperty()
  @IsString()
  @MaxLength(INPUT_MAX_LENGTH)
  currentPassword: string;

  @ApiProperty({ description: NEW_PASSWORD_DESCRIPTION })
  @IsString()
  @MaxLength(INPUT_MAX_LENGTH)
  newPassword: string;
}

export class TotpEnrolmentDto {
  @ApiProperty({ description: 'Base32 secret, for typing into an authenticator app by hand.' })
  secret: string;

  @ApiProperty({ example: 'otpauth://totp/Burrow:alice?secret=…&issuer=Burrow' })
  otpauthUrl: string;

  @ApiProperty({ description: 'The otpauth URL as a QR code: a `data:image/svg+xml;base64,…` URL for an <img>.' })
  qrSvgDataUrl: string;
}

export class ConfirmTotpDto {
  @ApiProperty({ description: 'A current 6-digit code from the authenticator app.', example: '123456' })
  @IsString()
  @MaxLength(64)
  code: string;
}

/** The current password, asked again before a change that could take the account over. */
export class PasswordConfirmationDto {
  @ApiProperty({ description: 'The current password.' })
  @IsString()
  @MaxLength(INPUT_MAX_LENGTH)
  password: string;
}

export class TotpStatusDto {
  @ApiProperty({ description: 'Two-factor sign-in is on.' })
  enabled: boolean;

  @ApiProperty({ type: 'integer', description: 'Recovery codes not used yet; 0 while two-factor sign-in is off.' })
  recoveryCodesLeft: number;
}

export class RecoveryCodesDto {
  @ApiProperty({
    type: [String],
    description: 'Ten single-use codes (`xxxx-xxxx`) for signing in without the app. Shown only this once.',
  })
  recoveryCodes: string[];
}

export class DisableTotpDto {
  @ApiProperty({ description: 'The current password.' })
  @IsString()
  @MaxLength(INPUT_MAX_LENGTH)
  password: string;
}
