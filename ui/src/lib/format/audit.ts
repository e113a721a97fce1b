import type { AuditAction } from '$lib/api/types';

/**
 * An audit event's `details` (a JSON object of plain facts) as one line of text, e.g.
 * "role: viewer → admin". Anything that is not a JSON object is shown as it came.
 */
export function formatAuditDetails(details: unknown): string {
  let value = details;
  if (typeof details === 'string') {
    try {
      value = JSON.parse(details);
    } catch {
      return details;
    }
  }
  if (value === null || value === undefined) {
    return '';
  }
  if (typeof value !== 'object' || Array.isArray(value)) {
    return typeof value === 'string' ? value : JSON.stringify(value);
  }
  return Object.entries(value)
    .map(([key, item]) => `${key}: ${typeof item === 'string' ? item : JSON.stringify(item)}`)
    .join(', ');
}

/**
 * Every action the API records, in its order, with the words the page shows. Typed against the API's
 * enum, so an action added there fails the type check here until it has a label.
 */
export const AUDIT_ACTION_LABELS: Readonly<Record<AuditAction, string>> = {
  'setup.completed': 'Router set up',
  'auth.login': 'Signed in',
  'auth.login_failed': 'Sign-in failed',
  'auth.locked': 'Account locked',
  'auth.address_locked': 'Address locked',
  'auth.device_locked': 'Known device locked',
  'auth.logout': 'Signed out',
  'session.revoked': 'Session signed out',
  'user.created': 'User created',
  'user.role_changed': 'Role changed',
  'user.disabled': 'User disabled',
  'user.enabled': 'User enabled',
  'user.password_reset': 'Password set by an admin',
  'user.deleted': 'User deleted',
  'user.name_confusable': 'User name looks like another',
  'user.sessions_revoked': 'User signed out everywhere',
  'user.unlocked': 'Account unlocked',
  'user.totp_disabled': 'Two-factor sign-in turned off by an admin',
  'account.password_changed': 'Password changed',
  'totp.enabled': 'Two-factor sign-in turned on',
  'totp.disabled': 'Two-factor sign-in turned off',
  'totp.recovery_code_used': 'Recovery code used',
  'totp.recovery_codes_regenerated': 'New recovery codes made',
  'settings.security_changed': 'Sign-in settings changed',
  'certificate.renewed': 'Certificate renewed',
  'certificate.imported': 'Certificate imported',
  'certificate.import_refused': 'Certificate import refused',
  'certificate.reverted': 'Built-in certificate restored',
};

/** The label of an action, or its raw name for one this page does not know yet. */
export function formatAuditAction(action: string): string {
  return (AUDIT_ACTION_LABELS as Readonly<Record<string, string>>)[action] ?? action;
}

/** A date from `<input type="date">` (YYYY-MM-DD) as the first or last instant of that local day, in ISO. */
export function dayBoundary(date: string, end: 'start' | 'end'): string | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!match) {
    return undefined;
  }
  const [, year, month, day] = match.map(Number) as [number, number, number, number];
  const instant =
    end === 'start' ? new Date(year, month - 1, day) : new Date(new Date(year, month - 1, day + 1).getTime() - 1);
  return instant.toISOString();
}
