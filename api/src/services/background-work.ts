/** Which front end built the core: the HTTP server, or the recovery console beside it (see core.module.ts). */
export type CoreRole = 'server' | 'console';

/**
 * Whether this process runs the router's background work: polling burrowd, the backup schedule, traffic history,
 * and pushing the database's desired state on start. The server does; the console, which runs beside it on the same
 * database, does not, so nothing is polled, scheduled or sent twice.
 */
export class BackgroundWork {
  constructor(readonly role: CoreRole) {}

  get runs(): boolean {
    return this.role === 'server';
  }
}
