// Backups and restores through the HTTP API, as the Backups page drives them: make one and download its bytes,
// upload a file for the preview, apply the preview's token. Shared by the medium and the lab tests.
import { type InProcessApi } from './in-process-api.js';
import { ADMIN_PASSWORD, call, type Reply, type Session } from './session-client.js';

export interface Preview {
  token: string;
  expiresAt: string;
  source: string;
  manifest: { format: number; kind: string; hostname: string; firmwareVersion: string; createdAt: string };
  users: Array<{ username: string; role: string; totpEnabled: boolean; disabled: boolean }>;
  tunnels: Array<{ name: string; enabled: boolean; endpoints: string[] }>;
  certificates: Array<{ role: string; subject: string; fingerprintSha256: string }>;
  currentAuthorityFingerprint: string;
  authorityChanges: boolean;
  settingChanges: Array<{ key: string; current: string | null; restored: string | null; secret: boolean }>;
}

export async function previewUpload(
  api: InProcessApi,
  session: Session,
  bytes: Buffer,
  passphrase?: string,
): Promise<Reply<Preview & { code?: string; message?: string }>> {
  const form = new FormData();
  if (passphrase !== undefined) {
    form.append('passphrase', passphrase);
  }
  form.append('file', new Blob([new Uint8Array(bytes)]), 'burrow-test.burrowbackup');
  const response = await fetch(`${api.url}/api/backups/restore/preview`, {
    method: 'POST',
    headers: { cookie: `__Host-burrow_session=${session.token}`, 'x-csrf-token': session.csrfToken },
    body: form,
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Preview & { code?: string; message?: string },
  };
}

export function apply(api: InProcessApi, session: Session, token: string, password = ADMIN_PASSWORD) {
  return call<{ restarting: boolean; message: string; code?: string }>(api, '/api/backups/restore/apply', {
    method: 'POST',
    body: { token, password },
    session,
  });
}

export async function backUp(api: InProcessApi, admin: Session): Promise<{ id: number; bytes: Buffer }> {
  const created = await call<{ id: number }>(api, '/api/backups', { method: 'POST', session: admin });
  const response = await fetch(`${api.url}/api/backups/${created.body.id}/download`, {
    headers: { cookie: `__Host-burrow_session=${admin.token}` },
  });
  return { id: created.body.id, bytes: Buffer.from(await response.arrayBuffer()) };
}
