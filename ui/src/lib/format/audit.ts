import type { AuditAction, AuditEvent } from '$lib/api/types';

/** The facts the API records, in words; a key it adds later is shown split into words until it is named here. */
const DETAIL_LABELS: Readonly<Record<string, string>> = {
  reason: 'Reason',
  secondFactor: 'Two-factor sign-in',
  otherSessionsEnded: 'Other sessions signed out',
  recoveryCodesLeft: 'Recovery codes left',
  role: 'Role',
  count: 'Sessions signed out',
  check: 'Failed check',
  subject: 'Subject',
  fingerprintSha256: 'SHA-256 fingerprint',
  idleTimeoutMinutes: 'Idle timeout (minutes)',
  absoluteLifetimeHours: 'Session lifetime (hours)',
  requireTotp: 'Two-factor sign-in required',
  endpoint: 'Server',
  renamedTo: 'Renamed to',
  enabled: 'Used for failover',
  priority: 'Place in the list (0 is first)',
  kind: 'What happened',
  from: 'From',
};

/** Values that are codes rather than words: why a sign-in failed, which second step was used, roles. */
const DETAIL_VALUES: Readonly<Record<string, string>> = {
  unknown_user: 'no such user',
  wrong_password: 'wrong password',
  disabled: 'account disabled',
  locked: 'account locked after too many failures',
  totp_invalid: 'wrong two-factor code',
  requested: 'asked for by an admin',
  totp: 'code from an authenticator app',
  recovery_code: 'recovery code',
  none: 'not used',
  admin: 'Admin',
  viewer: 'Viewer',
  failed_over: 'the active server stopped answering; the next one took over',
  recovered: 'a preferred server answers again and took over',
  all_failed: 'every server has failed; still trying',
  'certificate-pem': 'certificate file',
  'key-pem': 'key file',
  'key-encrypted': 'key is encrypted',
  'key-unsupported': 'key type not supported',
  'key-mismatch': 'key does not match the certificate',
  'chain-order': 'chain out of order',
  'weak-signature': 'weak signature',
  'issuer-not-valid': 'issuer not valid',
  'not-yet-valid': 'not valid yet',
  expired: 'expired',
  'expires-soon': 'expires within 7 days',
  names: 'does not name this router',
  'not-a-server-certificate': 'not a server certificate',
  'refused-by-tls': 'refused by TLS',
};

/** `otherSessionsEnded`, `recovery_code` or `key-pem` as words: "other sessions ended". */
function splitIntoWords(code: string): string {
  return code
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .toLowerCase();
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function detailValue(value: unknown): string {
  if (typeof value === 'string') {
    return DETAIL_VALUES[value] ?? value;
  }
  if (typeof value === 'boolean') {
    return value ? 'yes' : 'no';
  }
  return JSON.stringify(value);
}

/**
 * An audit event's `details` (a JSON object of plain facts) as one line of words, e.g.
 * "Reason: wrong password" or "Role: Viewer → Admin". Anything that is not a JSON object is shown as it came.
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
  const facts = { ...(value as Record<string, unknown>) };
  const parts: string[] = [];
  // A change of role is recorded as { from, to }.
  if ('from' in facts && 'to' in facts) {
    parts.push(`Role: ${detailValue(facts.from)} → ${detailValue(facts.to)}`);
    delete facts.from;
    delete facts.to;
  }
  for (const [key, item] of Object.entries(facts)) {
    parts.push(`${DETAIL_LABELS[key] ?? capitalized(splitIntoWords(key))}: ${detailValue(item)}`);
  }
  return parts.join('; ');
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
  'user.password_reset': 'Password reset',
  'user.deleted': 'User deleted',
  'user.name_confusable': 'User name looks like another',
  'user.sessions_revoked': 'User signed out everywhere',
  'user.unlocked': 'Account unlocked',
  'user.totp_disabled': 'Two-factor sign-in turned off for a user',
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
  'certificate.authority_reset': 'New certificate authority made',
  'tunnel.imported': 'VPN profile imported',
  'tunnel.updated': 'VPN profile changed',
  'tunnel.deleted': 'VPN profile deleted',
  'tunnel.activated': 'VPN profile activated',
  'tunnel.exported_with_keys': 'VPN profile exported with its keys',
  'remote_access.changed': 'Remote access changed',
  'remote_device.added': 'Remote device added',
  'remote_device.updated': 'Remote device changed',
  'remote_device.rekeyed': 'Remote device given new keys',
  'remote_device.deleted': 'Remote device deleted',
  'lan.changed': 'LAN settings changed',
  'lan_device.updated': 'LAN device changed',
  'gateway.kill_switch_on': 'Kill switch turned on',
  'gateway.kill_switch_off': 'Kill switch turned off',
  'gateway.kill_switch_disarmed': 'Kill switch disarmed for a while',
  'gateway.kill_switch_rearmed': 'Kill switch re-armed',
  'gateway.failover': 'Tunnel switched servers',
  'gateway.exit_check_changed': 'Exit check address changed',
  'metrics.token_created': 'Prometheus token created',
  'metrics.token_revoked': 'Prometheus token revoked',
  'events.webhook_changed': 'Events webhook changed',
  'backup.created': 'Backup made',
  'backup.downloaded': 'Backup downloaded',
  'backup.deleted': 'Backup deleted',
  'backup.settings_changed': 'Backup settings changed',
  'backup.restored': 'Backup restored',
  'console.shell': 'Shell opened on the console',
  'console.reboot': 'Rebooted from the console',
  'console.poweroff': 'Powered off from the console',
  'system.factory_reset': 'Factory reset',
  'system.console_password_set': 'Console password set',
  'system.console_password_cleared': 'Console password cleared',
};

/**
 * Where an event came from, in the table's "From" column: the client's address for the web page and API, else the
 * console or the router itself.
 */
export function formatAuditOrigin(event: Pick<AuditEvent, 'origin' | 'address'>): string {
  if (event.origin === 'console') {
    return 'Recovery console';
  }
  if (event.origin === 'system') {
    return 'The router itself';
  }
  return event.address ?? '—';
}

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
