import type { ApiClient } from '$lib/api/client';
import { expectData, expectOk, withDeadline } from '$lib/api/request';
import type { ConsolePasswordStatus } from '$lib/api/types';

/** Whether the recovery console asks for a password before its shell (admins only); never the password. */
export async function fetchConsolePassword(client: ApiClient): Promise<ConsolePasswordStatus> {
  return expectData(client.GET('/api/system/console-password', withDeadline()));
}

/** Sets or replaces it; the admin's own password confirms the change. */
export async function setConsolePassword(
  client: ApiClient,
  password: string,
  currentPassword: string,
): Promise<ConsolePasswordStatus> {
  return expectData(
    client.PUT('/api/system/console-password', { body: { password, currentPassword }, ...withDeadline() }),
  );
}

/** The console then asks for a confirmation only. */
export async function clearConsolePassword(client: ApiClient, currentPassword: string): Promise<void> {
  await expectOk(client.DELETE('/api/system/console-password', { body: { currentPassword }, ...withDeadline() }));
}
