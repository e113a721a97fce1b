import type { ApiClient } from '$lib/api/client';
import { expectData, expectOk, withDeadline } from '$lib/api/request';
import type { Backup, BackupSettings, BackupSettingsChanges, RestoreApplied, RestorePreview } from '$lib/api/types';

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

/**
 * Uploads a backup file with its passphrase (multipart: the file streams to the router's disk, never whole in the
 * API's memory) and returns what restoring it would bring back, with the token to apply it.
 */
export async function previewUploadedRestore(
  client: ApiClient,
  file: File,
  passphrase: string,
): Promise<RestorePreview> {
  const form = new FormData();
  form.append('passphrase', passphrase);
  form.append('file', file);
  return expectData(
    client.POST('/api/backups/restore/preview', {
      // The browser writes the multipart boundary itself: the body goes as it is.
      body: form as unknown as { backupId: number },
      bodySerializer: (body: unknown) => body as FormData,
      ...withDeadline(SLOW_MS),
    }),
  );
}

/** A stored backup's preview; without a passphrase, the router opens its own backups with its device key. */
export async function previewStoredRestore(
  client: ApiClient,
  backupId: number,
  passphrase: string,
): Promise<RestorePreview> {
  return expectData(
    client.POST('/api/backups/restore/preview', {
      body: passphrase === '' ? { backupId } : { backupId, passphrase },
      ...withDeadline(SLOW_MS),
    }),
  );
}

/** Applies a preview: a backup of the current configuration is made first, then the router restarts with it. */
export async function applyRestore(client: ApiClient, token: string, password: string): Promise<RestoreApplied> {
  return expectData(client.POST('/api/backups/restore/apply', { body: { token, password }, ...withDeadline(SLOW_MS) }));
}

/**
 * Resolves once the router runs the restored configuration: the restored database holds no session (every one is
 * signed out), so this browser's session being unknown (401) is the sign. A health answer is not: under load the old
 * process, still closing, answers it for a while, and still knows this session.
 */
export async function waitForRestart(timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const response = await fetch('/api/auth/session', { signal: AbortSignal.timeout(3_000), cache: 'no-store' });
      if (response.status === 401) {
        return;
      }
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}
