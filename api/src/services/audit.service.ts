import { Inject, Injectable, Optional } from '@nestjs/common';
import {
  AUDIT_PAGE_DEFAULT,
  type AuditAction,
  type AuditPageDto,
  type AuditQueryDto,
  mapAuditEvent,
} from '../dtos/audit.dto.js';
import { type AuditOrigin } from '../entities/audit-event.entity.js';
import { AuditRepository, type RetentionClass } from '../repositories/audit.repository.js';

/**
 * What anyone on the network can cause without signing in: failed sign-ins and the locks they bring. These are
 * summed (one row per action, name, address, target, details and window, with a count) and kept apart from
 * everything else, so a flood of them can never push out what signed-in people and the system did.
 */
export const AUDIT_FAILURE_ACTIONS = [
  'auth.login_failed',
  'auth.locked',
  'auth.address_locked',
  'auth.device_locked',
] as const satisfies readonly AuditAction[];

/** Failures are summed per this window, counted from the epoch. */
export const AUDIT_FAILURE_WINDOW_MS = 15 * 60_000;

export interface AuditRetention {
  /** Events of signed-in people and of the system: this many newest are kept. */
  maxEvents: number;
  /** Rows of summed failures: this many newest are kept, apart from the events. */
  maxFailureRows: number;
}

export const AUDIT_RETENTION: AuditRetention = { maxEvents: 10_000, maxFailureRows: 10_000 };
/** Injection token for a different retention (tests lower it). */
export const AUDIT_RETENTION_TOKEN = Symbol('AuditRetention');

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
  /**
   * Where it came from; by default the web (the API's routes), or the system when neither a person nor an address
   * is known (failovers, automatic backups, renewals). The recovery console says `console`.
   */
  origin?: AuditOrigin;
}

const isFailure = (action: AuditAction) => AUDIT_FAILURE_ACTIONS.some((failure) => failure === action);

@Injectable()
export class AuditService {
  private readonly events: RetentionClass;
  private readonly failures: RetentionClass;

  constructor(
    private readonly repository: AuditRepository,
    @Optional() @Inject(AUDIT_RETENTION_TOKEN) retention: AuditRetention = AUDIT_RETENTION,
  ) {
    this.events = { actions: AUDIT_FAILURE_ACTIONS, except: true, maxRows: retention.maxEvents };
    this.failures = { actions: AUDIT_FAILURE_ACTIONS, except: false, maxRows: retention.maxFailureRows };
  }

  async record(entry: AuditEntry, at: Date = new Date()): Promise<void> {
    const event = {
      at: at.toISOString(),
      username: entry.actor?.username ?? null,
      address: entry.address,
      action: entry.action,
      target: entry.target ?? null,
      details: JSON.stringify(entry.details ?? {}),
      origin: entry.origin ?? (entry.actor === null && entry.address === null ? 'system' : 'web'),
    };
    if (!isFailure(entry.action)) {
      await this.repository.insert(event, this.events);
      return;
    }
    const window = Math.floor(at.getTime() / AUDIT_FAILURE_WINDOW_MS);
    const groupKey = JSON.stringify([window, event.action, event.username, event.address, event.target, event.details]);
    await this.repository.insertSummed(event, groupKey, this.failures);
  }

  /** One page, newest first; `nextBefore` continues with older events. */
  async list(query: AuditQueryDto): Promise<AuditPageDto> {
    const limit = query.limit ?? AUDIT_PAGE_DEFAULT;
    // One more than asked for tells whether another page exists.
    const rows = await this.repository.list({ ...query, limit: limit + 1 });
    const events = rows.slice(0, limit).map(mapAuditEvent);
    return { events, nextBefore: rows.length > limit ? (events.at(-1)?.id ?? null) : null };
  }
}
