import { ApiProperty } from '@nestjs/swagger';
import { type SessionEntity } from '../entities/session.entity.js';

export class SessionDto {
  @ApiProperty({ description: 'A public handle for revoking this session; not the secret session id.' })
  id: string;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;

  @ApiProperty({ format: 'date-time' })
  lastSeenAt: string;

  @ApiProperty({ description: 'The client address at sign-in.', example: '192.168.1.20' })
  address: string;

  @ApiProperty({ description: 'Display as text, never as HTML.' })
  userAgent: string;

  @ApiProperty({ description: 'The session this request was made with.' })
  current: boolean;
}

export function mapSession(session: SessionEntity, currentHandle: string): SessionDto {
  return {
    id: session.handle,
    createdAt: session.createdAt,
    lastSeenAt: session.lastSeenAt,
    address: session.address,
    userAgent: session.userAgent,
    current: session.handle === currentHandle,
  };
}
