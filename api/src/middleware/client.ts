// Who is on the other end of a request, read from it once for the services that record who did what from where.
import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { type Request } from 'express';
import { type ClientInfo } from '../services/client-info.js';

const USER_AGENT_MAX_LENGTH = 256;

export function clientInfo(request: Request): ClientInfo {
  const address = request.ip ?? request.socket.remoteAddress ?? 'unknown';
  const userAgent = request.headers['user-agent'] ?? '';
  return { address: normalizeAddress(address), userAgent: printable(userAgent).slice(0, USER_AGENT_MAX_LENGTH) };
}

/** An IPv4 client on a dual-stack socket shows as `::ffff:a.b.c.d`; it is the same client as `a.b.c.d`. */
export function normalizeAddress(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped?.[1] ?? address.toLowerCase();
}

function printable(text: string): string {
  return text.replace(/[\p{C}]/gu, '');
}

/** The calling client, for services that record who did what from where. */
export const Client = createParamDecorator((_data: unknown, context: ExecutionContext): ClientInfo => {
  return clientInfo(context.switchToHttp().getRequest<Request>());
});
