import type { ApiClient } from '$lib/api/client';
import { ApiError } from '$lib/api/errors';
import { expectData, expectOk, withDeadline } from '$lib/api/request';
import type { FirstAdminSetup, SignedIn } from '$lib/api/types';

export interface Credentials {
  username: string;
  password: string;
}

/** A sign-in either succeeds or asks for the second factor; every other answer throws an `ApiError`. */
export type SignInOutcome = { kind: 'signed-in'; session: SignedIn } | { kind: 'totp-required' };

/** True while the router has no user at all: the setup wizard must run first. */
export async function fetchSetupRequired(client: ApiClient): Promise<boolean> {
  const { setupRequired } = await expectData(client.GET('/api/setup', withDeadline()));
  return setupRequired;
}

/** Creates the first admin; the API signs them in at once. */
/** The first admin, and optionally the exit check's URL (empty: no check). */
export async function createFirstAdmin(client: ApiClient, setup: FirstAdminSetup): Promise<SignedIn> {
  return expectData(client.POST('/api/setup', { body: setup, ...withDeadline() }));
}

/** `totp` is a six-digit code or a recovery code; leave it out on the first step. */
export async function signIn(client: ApiClient, credentials: Credentials, totp?: string): Promise<SignInOutcome> {
  try {
    const session = await expectData(
      client.POST('/api/auth/login', { body: { ...credentials, ...(totp ? { totp } : {}) }, ...withDeadline() }),
    );
    return { kind: 'signed-in', session };
  } catch (error) {
    if (error instanceof ApiError && error.code === 'totp_required') {
      return { kind: 'totp-required' };
    }
    throw error;
  }
}

/** The current session, or null when this browser is not signed in. */
export async function fetchSession(client: ApiClient): Promise<SignedIn | null> {
  try {
    return await expectData(client.GET('/api/auth/session', withDeadline()));
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      return null;
    }
    throw error;
  }
}

export async function signOut(client: ApiClient): Promise<void> {
  await expectOk(client.POST('/api/auth/logout', withDeadline()));
}
