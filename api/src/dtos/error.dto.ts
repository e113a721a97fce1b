import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ERROR_CODES, type ErrorCode } from '../services/domain-error.js';

/** The body of every error response. */
export class ErrorResponseDto {
  @ApiProperty({ type: 'integer', example: 404 })
  statusCode: number;

  @ApiProperty({ description: 'The HTTP reason phrase.', example: 'Not Found' })
  error: string;

  @ApiProperty({
    description: 'What went wrong; a list when several request fields are invalid.',
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
  })
  message: string | string[];

  @ApiPropertyOptional({
    enum: ERROR_CODES,
    enumName: 'ErrorCode',
    description: 'Present when a client may act on it.',
  })
  code?: ErrorCode;

  @ApiProperty({ description: 'Also sent as the X-Request-Id header; finds the matching log lines.' })
  requestId: string;
}
