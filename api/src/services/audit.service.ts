import { Injectable } from '@nestjs/common';
import {
  AUDIT_PAGE_DEFAULT,
  type AuditAction,
  type AuditPageDto,
  type AuditQueryDto,
  mapAuditEvent,
} from '../dtos/audit.dto.js';
import { AuditRepository } from '../repositories/audit.repository.js';

/** The log keeps this many newest events and drops older ones as new ones arrive. */
export const AUDIT_MAX_EVENTS = 10_000;

/** Plain facts only: callers cannot hand over an object that might carry a secret along. */
export type AuditDetails = Record<string, string | number | boolean | null>;

export interface AuditEntry {
  action: AuditAction;
  /** Who acted: the signed-in user, the user signing in, or null for nobody known. */
  actor: { username: string } | null;
  /** Where from: the client address. */
  address: string | null;
  /** What was acted on. */
  target?: string | null;
  details?: AuditDetails;
}

@Injectable()
export class AuditService {
  constructor(private readonly events: AuditRepository) {}

  async record(entry: AuditEntry, at: Date = new Date()): Promise<void> {
    await this.events.insert(
      {
        at: at.toISOString(),
        username: entry.actor?.username ?? null,
        address: entry.address,
        action: entry.action,
        target: entry.target ?? null,
        details: JSON.stringify(entry.details ?? {}),
      },
      AUDIT_MAX_EVENTS,
    );
  }

  /** One page, newest first; `nextBefore` continues with older events. */
  async list(query: AuditQueryDto): Promise<AuditPageDto> {
    const limit = query.limit ?? AUDIT_PAGE_DEFAULT;
    // One more than asked for tells whether another page exists.
    const rows = await this.events.list({ ...query, limit: limit + 1 });
    const events = rows.slice(0, limit).map(mapAuditEvent);
    return { events, nextBefore: rows.length > limit ? (events.at(-1)?.id ?? null) : null };
  }
}
