// The backup files in BURROW_DATA_DIR/backups, and what goes into them:
//
//   <time>-<kind>.burrowbackup   0600  one backup each (see backups/backup-file.ts for the format)
//   device.key                   0600  opens this box's backups without the passphrase (backups/device-key.ts)
//   .*                                 work in progress: a database snapshot being packed, a file being written;
//                                      whatever is left of one after a crash is removed at the next start
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import {
  type BackupManifest,
  type BackupPartSource,
  inspectBackupFile,
  type PassphraseRecipient,
  passphraseRecipient,
  writeBackupFile,
} from '../backups/backup-file.js';
import { loadOrCreateDeviceKey } from '../backups/device-key.js';
import { DATABASE_FILE } from '../database/data-source.js';
import { AppEnv } from '../env.js';
import { CertificateFileRepository } from './certificate-file.repository.js';
import { isErrno } from './errno.js';

export const DEVICE_KEY_FILE = 'device.key';
const VACUUM_ATTEMPTS = 50;
const VACUUM_RETRY_MS = 100;

export interface WrittenBackup {
  size: number;
  sha256: string;
  passphraseProtected: boolean;
}

@Injectable()
export class BackupArchiveRepository {
  readonly directory: string;

  constructor(
    private readonly env: AppEnv,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly certificates: CertificateFileRepository,
  ) {
    this.directory = join(env.dataDir, 'backups');
  }

  /**
   * Packs the API's configuration into `fileName`: a snapshot of the database taken by SQLite itself (`VACUUM
   * INTO` reads inside one transaction, so it is consistent while the API keeps writing; a copy of the live file
   * could catch a page half-written or miss what is still in the WAL) and a copy of the certificates and keys,
   * the CA's included. Everything is first copied into a work directory, so no part changes while it is packed.
   */
  async write(
    fileName: string,
    meta: Omit<BackupManifest, 'parts' | 'format'>,
    passphrase: PassphraseRecipient | null,
  ): Promise<WrittenBackup> {
    await this.ensureDirectory();
    const work = await mkdtemp(join(this.directory, '.work-'));
    try {
      const parts: BackupPartSource[] = [{ name: DATABASE_FILE, path: join(work, DATABASE_FILE) }];
      await this.snapshotDatabase(parts[0]!.path);
      await mkdir(join(work, 'certs'), { mode: 0o700 });
      for (const name of await this.certificateFiles()) {
        const copy = join(work, 'certs', name);
        await copyFile(join(this.certificates.directory, name), copy);
        parts.push({ name: `certs/${name}`, path: copy });
      }
      const deviceKey = await loadOrCreateDeviceKey(this.env.dataDir);
      const written = await writeBackupFile(join(this.directory, fileName), meta, parts, { passphrase, deviceKey });
      return { size: written.size, sha256: written.sha256, passphraseProtected: passphrase !== null };
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }

  /**
   * TypeORM gives SQLite one connection, and VACUUM refuses to run while a transaction is open on it (a tunnel
   * edit, the traffic flush): such a refusal is tried again shortly, since those transactions last milliseconds.
   */
  private async snapshotDatabase(path: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.dataSource.query(`VACUUM INTO ?`, [path]);
        return;
      } catch (error) {
        if (attempt >= VACUUM_ATTEMPTS || !String(error).includes('within a transaction')) {
          throw error;
        }
        await rm(path, { force: true });
        await setTimeout(VACUUM_RETRY_MS);
      }
    }
  }

  /** The public side of a passphrase, to encrypt backups to it without being able to open them. */
  recipientFor(passphrase: string): Promise<PassphraseRecipient> {
    return passphraseRecipient(passphrase);
  }

  /** The file to send, or undefined when it is gone. */
  async open(fileName: string): Promise<{ stream: Readable; size: number } | undefined> {
    const path = join(this.directory, fileName);
    try {
      const { size } = await stat(path);
      return { stream: createReadStream(path), size };
    } catch (error) {
      if (isErrno(error, 'ENOENT')) {
        return undefined;
      }
      throw error;
    }
  }

  async remove(fileName: string): Promise<void> {
    await rm(join(this.directory, fileName), { force: true });
  }

  /** The names of the finished files in the directory (not the device key, not work in progress). */
  async fileNames(): Promise<string[]> {
    return (await this.entries()).filter((name) => !name.startsWith('.') && name !== DEVICE_KEY_FILE);
  }

  /** Removes what a crash left of work in progress. */
  async removeWorkInProgress(): Promise<string[]> {
    const left = (await this.entries()).filter((name) => name.startsWith('.'));
    for (const name of left) {
      await rm(join(this.directory, name), { recursive: true, force: true });
    }
    return left;
  }

  /** What a finished file found without its row is: its size and digest, and whether the passphrase opens it. */
  async describe(fileName: string): Promise<WrittenBackup> {
    const path = join(this.directory, fileName);
    const hash = createHash('sha256');
    await pipeline(createReadStream(path), hash);
    const header = await inspectBackupFile(path);
    return { size: (await stat(path)).size, sha256: hash.digest('hex'), passphraseProtected: header.hasPassphraseSlot };
  }

  private async entries(): Promise<string[]> {
    try {
      return await readdir(this.directory);
    } catch (error) {
      if (isErrno(error, 'ENOENT')) {
        return [];
      }
      throw error;
    }
  }

  private async certificateFiles(): Promise<string[]> {
    try {
      const entries = await readdir(this.certificates.directory, { withFileTypes: true });
      return entries.filter((entry) => entry.isFile()).map((entry) => entry.name);
    } catch (error) {
      if (isErrno(error, 'ENOENT')) {
        return [];
      }
      throw error;
    }
  }

  private async ensureDirectory(): Promise<void> {
    await mkdir(this.directory, { recursive: true, mode: 0o700 });
    await chmod(this.directory, 0o700);
  }
}
