import type { ApiClient } from '$lib/api/client';
import { expectData, expectOk, withDeadline } from '$lib/api/request';
import type { NewUser, User, UserChanges } from '$lib/api/types';

/** Every account on the router (admins only). */
export async function listUsers(client: ApiClient): Promise<User[]> {
  return expectData(client.GET('/api/users', withDeadline()));
}

export async function createUser(client: ApiClient, user: NewUser): Promise<User> {
  return expectData(client.POST('/api/users', { body: user, ...withDeadline() }));
}

/** Changes role, enables/disables, or sets a new password; the API refuses to lose the last admin. */
export async function updateUser(client: ApiClient, id: number, changes: UserChanges): Promise<User> {
  return expectData(client.PATCH('/api/users/{id}', { params: { path: { id } }, body: changes, ...withDeadline() }));
}

export async function deleteUser(client: ApiClient, id: number): Promise<void> {
  await expectOk(client.DELETE('/api/users/{id}', { params: { path: { id } }, ...withDeadline() }));
}

/** Lifts the lock that failed sign-ins put on the user's name. */
export async function unlockUser(client: ApiClient, id: number): Promise<User> {
  return expectData(client.POST('/api/users/{id}/unlock', { params: { path: { id } }, ...withDeadline() }));
}

/** For someone who lost their phone: two-factor sign-in off, and they are signed out everywhere. */
export async function disableUserTotp(client: ApiClient, id: number): Promise<void> {
  await expectOk(client.DELETE('/api/users/{id}/totp', { params: { path: { id } }, ...withDeadline() }));
}

/** Signs the user out everywhere. */
export async function revokeUserSessions(client: ApiClient, id: number): Promise<void> {
  await expectOk(client.DELETE('/api/users/{id}/sessions', { params: { path: { id } }, ...withDeadline() }));
}
