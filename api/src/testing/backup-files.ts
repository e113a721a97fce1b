// Shared by the backup format's tests: a data dir of parts in a temp dir, and a fast KDF (the real default
// is tested once, in backup-file.test.ts).
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type BackupPartSource, type KdfParams } from '../backups/backup-file.js';

/** argon2's minimum: a test derives a key in well under a millisecond. */
export const FAST_KDF: KdfParams = { memoryKiB: 64, iterations: 1, parallelism: 1 };

export const META = {
  firmwareVersion: '0.1.0-test',
  createdAt: '2026-01-02T03:04:05.000Z',
  hostname: 'burrow',
  kind: 'manual',
} as const;

/** A new temp dir, removed when the test ends. */
export async function tempDir(
  t: { teardown(fn: () => Promise<void>): void },
  prefix = 'burrow-backup-',
): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Writes each part under `<dir>/data` and returns the sources to back up. */
export async function writeParts(dir: string, contents: Record<string, Buffer>): Promise<BackupPartSource[]> {
  const sources: BackupPartSource[] = [];
  for (const [name, bytes] of Object.entries(contents)) {
    const path = join(dir, 'data', ...name.split('/'));
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, bytes);
    sources.push({ name, path });
  }
  return sources;
}

/** A database over several chunks, a small key file and an empty file. */
export function sampleContents(): Record<string, Buffer> {
  return {
    'burrow.db': randomBytes(200_000),
    'certs/authority.pem': Buffer.from('-----BEGIN PRIVATE KEY-----\nnot really\n-----END PRIVATE KEY-----\n'),
    'certs/empty': Buffer.alloc(0),
  };
}
