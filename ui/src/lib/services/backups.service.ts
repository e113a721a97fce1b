import type { ApiClient } from '$lib/api/client';
import { expectData, expectOk, withDeadline } from '$lib/api/request';
import type { Backup, BackupSettings, BackupSettingsChanges } from '$lib/api/types';

/** Packing a backup, or deriving a passphrase's key (argon2id, 64 MiB), takes seconds on a small board. */
const SLOW_MS = 120_000;

/** Stored backups, newest first (admins only). */
export async function listBackups(client: ApiClient): Promise<Backup[]> {
  return expectData(client.GET('/api/backups', withDeadline()));
}

/** A manual backup, made now. */
export async function createBackup(client: ApiClient): Promise<Backup> {
  return expectData(client.POST('/api/backups', withDeadline(SLOW_MS)));
}

export async function deleteBackup(client: ApiClient, id: number): Promise<void> {
  await expectOk(client.DELETE('/api/backups/{id}', { params: { path: { id } }, ...withDeadline() }));
}

/**
 * Where the browser downloads a backup itself: a plain link (a GET with the session cookie), so the file streams
 * to disk with the browser's own progress instead of passing through the page's memory.
 */
export function backupDownloadUrl(id: number): string {
  return `/api/backups/${id}/download`;
}

export async function fetchBackupSettings(client: ApiClient): Promise<BackupSettings> {
  return expectData(client.GET('/api/backups/settings', withDeadline()));
}

export async function saveBackupSettings(client: ApiClient, changes: BackupSettingsChanges): Promise<BackupSettings> {
  return expectData(client.PUT('/api/backups/settings', { body: changes, ...withDeadline(SLOW_MS) }));
}
