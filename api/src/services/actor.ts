// Who asks a service to act: a person signed in on the web page (with the address they came from), or the recovery
// console on the router's own screen or serial port, where nobody signs in (being at the box is the credential).
import { type ClientInfo } from './client-info.js';

export type Actor =
  { origin: 'web'; user: { id: number; username: string }; client: ClientInfo } | { origin: 'console' };

/** The recovery console, as services are told it acted. */
export const CONSOLE_ACTOR: Actor = { origin: 'console' };

export function webActor(user: { id: number; username: string }, client: ClientInfo): Actor {
  return { origin: 'web', user, client };
}

/** The audit entry's who, from where and through what. A console event has neither a person nor an address. */
export interface AuditedAs {
  actor: { username: string } | null;
  address: string | null;
  origin: Actor['origin'];
}

export function auditedAs(actor: Actor): AuditedAs {
  if (actor.origin === 'console') {
    return { actor: null, address: null, origin: 'console' };
  }
  return { actor: { username: actor.user.username }, address: actor.client.address, origin: 'web' };
}
