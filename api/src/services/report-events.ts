// What in burrowd's status report the household is told about: failover switches, the tunnel going down and
// coming back, and a failing self-test. Pure: a report and what was seen before in, the events and what is seen
// now out, so the service that reads the reports stays a thin loop and this reads as a table.
import { type EventReport, type GatewayReport } from './gateway-report.js';
import { type EventInput } from './event.service.js';
import { readLastSelfTest, type SelfTestCheckReport } from './router-report.js';

/** What the last reports showed, kept between them (and across restarts) so each change is told once. */
export interface WatchMemory {
  /** Every profile had failed and none has answered since. */
  tunnelDown: boolean;
  /** The `at` of the last self-test result seen (epoch ms). */
  selfTestAt: number | null;
  /** That result failed. */
  selfTestFailing: boolean;
}

export const NOTHING_SEEN: WatchMemory = { tunnelDown: false, selfTestAt: null, selfTestFailing: false };

export type DatedEvent = EventInput & { at: Date };

export interface Watched {
  events: DatedEvent[];
  memory: WatchMemory;
}

/**
 * burrowd's new switches as events, and the tunnel coming back by itself. burrowd repeats `all_failed` every time
 * the last profile stays silent (every 20 s or so): only the first is told, until a profile answers again. A
 * carrying tunnel that loses its handshake is a silent profile to burrowd, which switches (`failed_over`) or says
 * all have failed within 20 s; so these two cover it.
 */
export function tunnelEvents(
  fresh: readonly EventReport[],
  report: GatewayReport,
  before: WatchMemory,
  now: Date,
): Watched {
  const names = new Map(report.profiles.map((profile) => [profile.id, profile.name]));
  const name = (id: number | null) => (id === null ? 'none' : names.get(id) || `profile ${id}`);
  const events: DatedEvent[] = [];
  let down = before.tunnelDown;
  for (const event of fresh) {
    const at = new Date(event.at);
    const details = { from: event.from === null ? null : name(event.from), to: name(event.to), reason: event.reason };
    if (event.kind === 'failed_over') {
      events.push({
        at,
        kind: 'tunnel.failover',
        severity: 'warning',
        message: `The tunnel failed over from ${name(event.from)} to ${name(event.to)}: ${event.reason}`,
        details,
      });
      down = false;
    } else if (event.kind === 'recovered') {
      events.push({
        at,
        kind: 'tunnel.recovered',
        severity: 'info',
        message: `The tunnel is back on ${name(event.to)}, which answers again`,
        details,
      });
      down = false;
    } else if (event.kind === 'all_failed' && !down) {
      events.push({
        at,
        kind: 'tunnel.down',
        severity: 'critical',
        message: `The tunnel is down: ${event.reason || 'every profile has failed'}`,
        details,
      });
      down = true;
    }
  }
  const active = report.profiles.find((profile) => profile.id === report.activeId);
  if (down && active?.state === 'active') {
    events.push({
      at: now,
      kind: 'tunnel.recovered',
      severity: 'info',
      message: `The tunnel is up again through ${name(active.id)}`,
      details: { from: null, to: name(active.id), reason: 'it answers again' },
    });
    down = false;
  }
  return { events, memory: { ...before, tunnelDown: down } };
}

/** burrowd's latest self-test (`selftest` in its status), when its report has one. */
export interface SelfTestStatus {
  at: number;
  trigger: string;
  pass: boolean;
  checks: SelfTestCheckReport[];
}

export function readSelfTestStatus(raw: unknown): SelfTestStatus | null {
  const run = readLastSelfTest(raw);
  return run === null ? null : { ...run, pass: run.checks.length > 0 && run.checks.every((check) => check.pass) };
}

/**
 * A new self-test result that fails is told; one that passes is told only when the one before failed. A box with no
 * tunnel profile yet is not told anything: its handshake and DNS checks fail by design until the household adds one,
 * and a first evening should not open with a critical event.
 */
export function selfTestEvents(result: SelfTestStatus | null, before: WatchMemory, tunnelConfigured = true): Watched {
  if (result === null || result.at === before.selfTestAt) {
    return { events: [], memory: before };
  }
  if (!tunnelConfigured) {
    return { events: [], memory: { ...before, selfTestAt: result.at, selfTestFailing: false } };
  }
  const memory = { ...before, selfTestAt: result.at, selfTestFailing: !result.pass };
  const at = new Date(result.at);
  if (!result.pass) {
    const failed = result.checks.filter((check) => !check.pass);
    const names = failed.map((check) => check.name).join(', ') || 'no check ran';
    return {
      events: [
        {
          at,
          kind: 'selftest.failed',
          severity: 'critical',
          message: `The self-test failed: ${names}`,
          details: { trigger: result.trigger, failed: names, why: failed[0]?.details ?? null },
        },
      ],
      memory,
    };
  }
  if (before.selfTestFailing) {
    return {
      events: [
        {
          at,
          kind: 'selftest.passed',
          severity: 'info',
          message: 'The self-test passes again',
          details: { trigger: result.trigger },
        },
      ],
      memory,
    };
  }
  return { events: [], memory };
}

export function readWatchMemory(stored: unknown): WatchMemory {
  if (typeof stored !== 'object' || stored === null) {
    return NOTHING_SEEN;
  }
  const { tunnelDown, selfTestAt, selfTestFailing } = stored as Record<string, unknown>;
  return {
    tunnelDown: tunnelDown === true,
    selfTestAt: typeof selfTestAt === 'number' ? selfTestAt : null,
    selfTestFailing: selfTestFailing === true,
  };
}
