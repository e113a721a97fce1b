// Who asks a service to act: a signed-in person on the web page (or the API), or the recovery console, a trusted
// local operator with physical access whose own screen confirms what it does. The audit log records which.
import { type ClientInfo } from './client-info.js';

export type Actor =
  { origin: 'web'; user: { id: number; username: string }; client: ClientInfo } | { origin: 'console' };

/** How the audit log names an actor: the person and their address on the web, nobody and nowhere for the console. */
export interface AuditWho {
  actor: { username: string } | null;
  address: string | null;
  origin: 'web' | 'console';
}

export function auditWho(actor: Actor): AuditWho {
  return actor.origin === 'web'
    ? { actor: { username: actor.user.username }, address: actor.client.address, origin: 'web' }
    : { actor: null, address: null, origin: 'console' };
}
