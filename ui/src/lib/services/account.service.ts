import type { ApiClient } from '$lib/api/client';
import { expectData, expectOk, withDeadline } from '$lib/api/request';
import type { SessionInfo, SignedIn, TotpEnrolment, TotpStatus } from '$lib/api/types';

/** The API starts a new session (new id and CSRF token) and signs out every other one. */
export async function changePassword(
  client: ApiClient,
  currentPassword: string,
  newPassword: string,
): Promise<SignedIn> {
  return expectData(
    client.POST('/api/account/password', { body: { currentPassword, newPassword }, ...withDeadline() }),
  );
}

/** Whether two-factor sign-in is on, and how many recovery codes are still unused. */
export async function fetchTotpStatus(client: ApiClient): Promise<TotpStatus> {
  return expectData(client.GET('/api/account/totp', withDeadline()));
}

/** A fresh secret and its QR code, for the current password; two-factor sign-in is on once a code confirms it. */
export async function startTotpEnrolment(client: ApiClient, password: string): Promise<TotpEnrolment> {
  return expectData(client.POST('/api/account/totp/enrol', { body: { password }, ...withDeadline() }));
}

/** Turns two-factor sign-in on; returns the recovery codes, which the API never shows again. */
export async function confirmTotpEnrolment(client: ApiClient, code: string): Promise<string[]> {
  const { recoveryCodes } = await expectData(
    client.POST('/api/account/totp/confirm', { body: { code }, ...withDeadline() }),
  );
  return recoveryCodes;
}

/** A new set of recovery codes, shown only this once; the old ones stop working. */
export async function newRecoveryCodes(client: ApiClient, password: string): Promise<string[]> {
  const { recoveryCodes } = await expectData(
    client.POST('/api/account/totp/recovery-codes', { body: { password }, ...withDeadline() }),
  );
  return recoveryCodes;
}

export async function disableTotp(client: ApiClient, password: string): Promise<void> {
  await expectOk(client.DELETE('/api/account/totp', { body: { password }, ...withDeadline() }));
}

/** This account's sessions, this browser's marked `current`. */
export async function listMySessions(client: ApiClient): Promise<SessionInfo[]> {
  return expectData(client.GET('/api/auth/sessions', withDeadline()));
}

export async function revokeMySession(client: ApiClient, id: string): Promise<void> {
  await expectOk(client.DELETE('/api/auth/sessions/{id}', { params: { path: { id } }, ...withDeadline() }));
}
