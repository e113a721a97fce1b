// The files of a restore in progress, in BURROW_DATA_DIR/backups (the data partition, so staging is a rename):
//
//   .restore-<random>/              0700  one preview's work dir; whatever a crash leaves of one is removed at the
//                                         next start with the backups directory's other work in progress
//     upload.burrowbackup           0600  an uploaded file (or a copy of one the recovery console chose from a
//                                         path), removed once it is extracted
//     extracted/                    0700  the verified content, laid out like the data dir: burrow.db and certs/
//
// The extracted content is staged (backups/restore-journal.ts) when the admin confirms, or removed when the
// preview's token expires or is replaced.
import { Injectable } from '@nestjs/common';
import busboy from 'busboy';
import { randomBytes } from 'node:crypto';
import { constants, createWriteStream } from 'node:fs';
import { chmod, type FileHandle, mkdir, open, readFile, rm } from 'node:fs/promises';
import { type IncomingHttpHeaders } from 'node:http';
import { basename, isAbsolute, join } from 'node:path';
import { type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BACKUP_EXTENSION, type BackupManifest, readBackupFile } from '../backups/backup-file.js';
import { loadOrCreateDeviceKey } from '../backups/device-key.js';
import { stagedChange, type StagedChange, stageRestore } from '../backups/restore-journal.js';
import { describeCertificate } from '../certificates/x509/describe.js';
import { DATABASE_FILE } from '../database/data-source.js';
import { AppEnv } from '../env.js';
import { isErrno } from './errno.js';

/** The largest backup file an upload may carry: a box's configuration is a few megabytes. Documented in the README. */
export const RESTORE_UPLOAD_LIMIT_BYTES = 50 * 1024 * 1024;
/** The passphrase field; far above any passphrase, far below anything that costs memory. */
const FIELD_LIMIT_BYTES = 4096;
/** Room for the multipart boundaries and the passphrase around the file, for the early Content-Length check. */
const MULTIPART_OVERHEAD_BYTES = 64 * 1024;

export interface ReceivedUpload {
  workDir: string;
  file: string;
  fileName: string;
  passphrase: string | undefined;
}

export interface ExtractedBackup {
  manifest: BackupManifest;
  /** The verified content: `burrow.db` and `certs/`. */
  contentDir: string;
  databasePath: string;
}

export interface BackupCertificate {
  role: 'authority' | 'built-in' | 'imported';
  subject: string;
  notAfter: Date;
  fingerprintSha256: string;
}

/** Why an upload was refused; nothing of it is kept. */
export class UploadError extends Error {
  override name = 'UploadError';

  constructor(
    readonly code: 'too_large' | 'no_file' | 'malformed' | 'missing' | 'not_a_file',
    message: string,
  ) {
    super(message);
  }
}

export type OpenSecret = { kind: 'passphrase'; passphrase: string } | { kind: 'device' };

@Injectable()
export class RestoreWorkRepository {
  /** The upload limit; a test lowers it rather than sending 50 MB. */
  uploadLimitBytes = RESTORE_UPLOAD_LIMIT_BYTES;
  private readonly directory: string;

  constructor(private readonly env: AppEnv) {
    this.directory = join(env.dataDir, 'backups');
  }

  /** A new, private work dir. */
  async createWorkDir(): Promise<string> {
    await mkdir(this.directory, { recursive: true, mode: 0o700 });
    const workDir = join(this.directory, `.restore-${randomBytes(12).toString('hex')}`);
    await mkdir(workDir, { mode: 0o700 });
    return workDir;
  }

  /**
   * Streams a multipart upload (`file`, `passphrase`) into a new work dir, never holding the file in memory; over
   * the limit, the part written so far is removed and UploadError('too_large') thrown.
   */
  async receive(headers: IncomingHttpHeaders, body: Readable): Promise<ReceivedUpload> {
    const limit = this.uploadLimitBytes;
    const declared = Number(headers['content-length']);
    if (Number.isFinite(declared) && declared > limit + MULTIPART_OVERHEAD_BYTES) {
      body.resume();
      throw tooLarge(limit);
    }
    const workDir = await this.createWorkDir();
    const file = join(workDir, `upload${BACKUP_EXTENSION}`);
    try {
      return { workDir, file, ...(await receiveInto(headers, body, file, limit)) };
    } catch (error) {
      await this.discard(workDir);
      throw error;
    }
  }

  /**
   * Copies the backup file at an absolute `path` (the recovery console's choice, on a USB stick say) into a new work
   * dir, as an upload would arrive. The file is opened once, without following a link at its end, and only a regular
   * file no larger than the upload limit is copied (a FIFO or device is refused before it is read, and a file that
   * grows past the limit while it is copied is refused then). Refusals are UploadErrors, with nothing kept.
   */
  async copyIn(path: string): Promise<ReceivedUpload> {
    if (!isAbsolute(path)) {
      throw new UploadError('malformed', 'Give the backup file’s full path');
    }
    const limit = this.uploadLimitBytes;
    const handle = await openBackupFile(path);
    try {
      const stats = await handle.stat();
      if (!stats.isFile()) {
        throw new UploadError('not_a_file', 'That path is not a file: choose a .burrowbackup file');
      }
      if (stats.size > limit) {
        throw tooLarge(limit);
      }
      const workDir = await this.createWorkDir();
      const file = join(workDir, `upload${BACKUP_EXTENSION}`);
      try {
        await copyAtMost(handle, file, limit);
      } catch (error) {
        await this.discard(workDir);
        throw error;
      }
      return { workDir, file, fileName: printable(basename(path)), passphrase: undefined };
    } finally {
      await handle.close();
    }
  }

  /** Whether a restore or a factory reset is committed and waits for the next start. */
  stagedChange(): Promise<StagedChange | null> {
    return stagedChange(this.env.dataDir);
  }

  /** A stored backup's file (see BackupArchiveRepository). */
  storedFile(fileName: string): string {
    return join(this.directory, fileName);
  }

  /** Verifies and extracts `file` into the work dir; on any failure nothing of the extraction is left. */
  async extract(file: string, secret: OpenSecret, workDir: string): Promise<ExtractedBackup> {
    const contentDir = join(workDir, 'extracted');
    const manifest = await readBackupFile(
      file,
      secret.kind === 'passphrase'
        ? secret
        : { kind: 'device', deviceKey: await loadOrCreateDeviceKey(this.env.dataDir) },
      contentDir,
    );
    // A box always has certificates, but staging needs the directory even if a backup had none.
    await mkdir(join(contentDir, 'certs'), { recursive: true, mode: 0o700 });
    return { manifest, contentDir, databasePath: join(contentDir, DATABASE_FILE) };
  }

  /** The certificates in extracted content: the CA, the built-in server certificate, an imported one. */
  async certificates(contentDir: string): Promise<BackupCertificate[]> {
    const found: BackupCertificate[] = [];
    for (const [role, file] of [
      ['authority', 'authority.pem'],
      ['built-in', 'server.pem'],
      ['imported', 'imported.pem'],
    ] as const) {
      const text = await readOptional(join(contentDir, 'certs', file));
      const first = text === undefined ? undefined : FIRST_CERTIFICATE.exec(text)?.[0];
      if (first === undefined) {
        continue;
      }
      try {
        const summary = describeCertificate(first);
        found.push({
          role,
          subject: summary.subject,
          notAfter: summary.notAfter,
          fingerprintSha256: summary.fingerprintSha256,
        });
      } catch {
        // A certificate the library cannot read is left out of the preview; the restored API reports it at start.
      }
    }
    return found;
  }

  /** Moves the extracted content next to the live data and commits it with the journal (restore-journal.ts). */
  async stage(contentDir: string): Promise<void> {
    await stageRestore(this.env.dataDir, contentDir);
  }

  async discard(workDir: string): Promise<void> {
    await rm(workDir, { recursive: true, force: true });
  }

  async removeFile(file: string): Promise<void> {
    await rm(file, { force: true });
  }
}

const FIRST_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/;

/** Opens for reading only, refusing a link at the path's end; O_NONBLOCK so that opening a FIFO cannot hang. */
async function openBackupFile(path: string): Promise<FileHandle> {
  try {
    return await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    if (isErrno(error, 'ENOENT', 'ENOTDIR')) {
      throw new UploadError('missing', 'There is no file at that path');
    }
    if (isErrno(error, 'ELOOP')) {
      throw new UploadError('not_a_file', 'That path is a link: choose the backup file itself');
    }
    if (isErrno(error, 'EACCES', 'EPERM', 'EISDIR')) {
      throw new UploadError('not_a_file', 'That file cannot be read');
    }
    throw error;
  }
}

/** Copies `handle` into `file` (0600), refusing it as too large once more than `limit` bytes have come. */
async function copyAtMost(handle: FileHandle, file: string, limit: number): Promise<void> {
  let copied = 0;
  await pipeline(
    handle.createReadStream({ start: 0, end: limit, autoClose: false }),
    async function* (chunks: AsyncIterable<Buffer>) {
      for await (const chunk of chunks) {
        copied += chunk.length;
        if (copied > limit) {
          throw tooLarge(limit);
        }
        yield chunk;
      }
    },
    createWriteStream(file, { mode: 0o600 }),
  );
  await chmod(file, 0o600);
}

/** A file name as the preview and the audit log show it: control characters could forge a line. */
function printable(name: string): string {
  // eslint-disable-next-line no-control-regex
  return name.replace(/[\u0000-\u001f\u007f]/g, '?');
}

function tooLarge(limit: number): UploadError {
  return new UploadError(
    'too_large',
    `The file is larger than a backup may be (${Math.round(limit / 1024 / 1024)} MB at most)`,
  );
}

/** Parses the multipart body, writing the one file part to `file` (0600). */
function receiveInto(
  headers: IncomingHttpHeaders,
  body: Readable,
  file: string,
  limit: number,
): Promise<{ fileName: string; passphrase: string | undefined }> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers,
        limits: { files: 1, fields: 2, fileSize: limit, fieldSize: FIELD_LIMIT_BYTES, parts: 3 },
      });
    } catch {
      reject(new UploadError('malformed', 'Send the backup as multipart/form-data with a file field'));
      return;
    }
    let passphrase: string | undefined;
    let fileName: string | undefined;
    let written: Promise<void> | undefined;
    let failed = false;
    const fail = (error: UploadError) => {
      if (failed) {
        return;
      }
      failed = true;
      body.unpipe(parser);
      // The rest of the request is read and dropped, so the refusal reaches the client rather than a reset.
      body.resume();
      reject(error);
    };
    parser.on('field', (name, value, info) => {
      if (info.valueTruncated) {
        fail(new UploadError('malformed', 'The passphrase field is too long'));
      } else if (name === 'passphrase') {
        passphrase = value;
      }
    });
    parser.on('file', (name, stream, info) => {
      if (name !== 'file' || written !== undefined) {
        stream.resume();
        return;
      }
      fileName = info.filename || `upload${BACKUP_EXTENSION}`;
      stream.on('limit', () => fail(tooLarge(limit)));
      written = pipeline(stream, createWriteStream(file, { mode: 0o600 })).then(() => chmod(file, 0o600));
      written.catch(() => fail(new UploadError('malformed', 'The upload was interrupted')));
    });
    parser.on('error', () => fail(new UploadError('malformed', 'The upload is not well-formed multipart data')));
    parser.on('close', () => {
      if (failed) {
        return;
      }
      if (written === undefined || fileName === undefined) {
        fail(new UploadError('no_file', 'Choose a backup file to upload'));
        return;
      }
      const name = fileName;
      written.then(
        () => (failed ? undefined : resolve({ fileName: name, passphrase })),
        () => undefined,
      );
    });
    parser.on('partsLimit', () => fail(new UploadError('malformed', 'Send only the file and its passphrase')));
    body.on('error', () => fail(new UploadError('malformed', 'The upload was interrupted')));
    body.pipe(parser);
  });
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if (isErrno(error, 'ENOENT')) {
      return undefined;
    }
    throw error;
  }
}
