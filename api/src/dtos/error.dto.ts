import { ApiProperty } from '@nestjs/swagger';

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

  @ApiProperty({ description: 'Also sent as the X-Request-Id header; finds the matching log lines.' })
  requestId: string;
}
