// Who is on the other end of a request, read from it once for the services that record who did what from where.
import { formatIp, parseIp, unmapIpv4 } from '@burrow/firmware/net/ip';
import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { type Request } from 'express';
import { type ClientInfo } from '../services/client-info.js';

const USER_AGENT_MAX_LENGTH = 256;

export function clientInfo(request: Request): ClientInfo {
  const address = request.ip ?? request.socket.remoteAddress ?? 'unknown';
  const userAgent = request.headers['user-agent'] ?? '';
  return { address: normalizeAddress(address), userAgent: printable(userAgent).slice(0, USER_AGENT_MAX_LENGTH) };
}

/**
 * One spelling per client: an IPv4 client on a dual-stack socket shows as `::ffff:a.b.c.d`, the same client as
 * `a.b.c.d`; IPv6 in RFC 5952 text. Anything that is not an address (`unknown`) is only lowercased.
 */
export function normalizeAddress(address: string): string {
  const bytes = parseIp(address);
  return bytes === null ? address.toLowerCase() : formatIp(unmapIpv4(bytes));
}

function printable(text: string): string {
  return text.replace(/[\p{C}]/gu, '');
}

/** The calling client, for services that record who did what from where. */
export const Client = createParamDecorator((_data: unknown, context: ExecutionContext): ClientInfo => {
  return clientInfo(context.switchToHttp().getRequest<Request>());
});
