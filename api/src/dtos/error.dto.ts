import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ERROR_CODES, type ErrorCode } from '../services/domain-error.js';

export class InputProblemDto {
  @ApiProperty({ type: 'integer', nullable: true, description: '1-based line of the input, when it has lines.' })
  line: number | null;

  @ApiProperty({ type: 'string', nullable: true, description: 'The field, as the input format names it.' })
  field: string | null;

  @ApiProperty()
  message: string;
}

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

  @ApiPropertyOptional({ type: [InputProblemDto], description: 'Each problem of an input that has several.' })
  problems?: InputProblemDto[];

  @ApiProperty({ description: 'Also sent as the X-Request-Id header; finds the matching log lines.' })
  requestId: string;
}

/** The 400 of a route whose service names the refused field (the household's routes). */
export const FIELD_REFUSED = '`field_invalid`: the message and `problems` name the field; nothing was changed.';
