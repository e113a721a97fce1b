// The .burrowbackup file: write one from the parts of a data dir, inspect its header, verify it and extract it.
// The byte layout and its guarantees are in docs/backup-format.md; the pieces live in small files:
//
//   backup-header.ts    the unencrypted header (magic, version, sizes, nonce prefix, slots) and its limits
//   backup-keys.ts      the passphrase and device slots that wrap the file key
//   backup-stream.ts    the chunked XChaCha20-Poly1305 payload (STREAM), the header as associated data
//   backup-manifest.ts  the plaintext framing and the manifest
//   backup-file-atomic.ts  temporary file, fsync, rename, directory fsync
//
// Writing: 1. open every part, hash it (first pass) → 2. the manifest with sizes and hashes → 3. header with the
// slots → 4. the manifest and the parts (second pass, hashed again and compared, so a part that changed between
// the passes fails the backup instead of contradicting its manifest) sealed chunk by chunk into a temporary file
// → 5. fsync, rename, directory fsync.
//
// Reading: 1. header (not a backup, newer format, truncated, limits) → 2. the file's size against the header's
// (truncation is known before any secret is used) → 3. the slot for the secret → the file key → 4. chunks opened
// one at a time: the manifest, then each part streamed to its file under the extract dir and its SHA-256
// checked → 5. nothing left over. Any failure removes everything written under the extract dir.
import { createHash, randomBytes } from 'node:crypto';
import { type FileHandle, mkdir, open, readdir, rm } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { isErrno } from '../repositories/errno.js';
import { BackupFileError, truncated, wrongSecretOrDamaged } from './backup-file-error.js';
import { writeAtomically } from './backup-file-atomic.js';
import {
  BACKUP_FORMAT_VERSION,
  type BackupHeader,
  DEFAULT_CHUNK_SIZE,
  NONCE_PREFIX_BYTES,
  encodeHeader,
  expectedFileSize,
  readHeader,
} from './backup-header.js';
import {
  FILE_KEY_BYTES,
  type PassphraseRecipient,
  deviceSlotKeyId,
  openDeviceSlot,
  openPassphraseSlot,
  sealDeviceSlot,
  sealPassphraseSlot,
} from './backup-keys.js';
import {
  BACKUP_KINDS,
  type BackupManifest,
  MANIFEST_LIMITS,
  encodeManifest,
  parseManifestV1,
  partNamesProblem,
} from './backup-manifest.js';
import { ChunkSealer, PlaintextReader, openChunks } from './backup-stream.js';
import { DEVICE_KEY_BYTES, deviceKeyId } from './device-key.js';

export { BackupFileError, type BackupFileErrorCode } from './backup-file-error.js';
export { BACKUP_FORMAT_VERSION } from './backup-header.js';
export { DEFAULT_KDF, type KdfParams, type PassphraseRecipient, passphraseRecipient } from './backup-keys.js';
export { BACKUP_KINDS, type BackupKind, type BackupManifest } from './backup-manifest.js';

export const BACKUP_EXTENSION = '.burrowbackup';

/** A file to put into a backup: `name` is its path inside the backup ('burrow.db', 'certs/ca.key'). */
export interface BackupPartSource {
  name: string;
  path: string;
}

/** Who can open a new backup: the passphrase's public side when one is set, and always this box's device key. */
export interface BackupRecipients {
  passphrase: PassphraseRecipient | null;
  deviceKey: Buffer;
}

export type BackupSecret = { kind: 'passphrase'; passphrase: string } | { kind: 'device'; deviceKey: Buffer };

const READ_BUFFER_BYTES = DEFAULT_CHUNK_SIZE;

/** Writes atomically: temp file in the same dir, fsync, rename, dir fsync. */
export async function writeBackupFile(
  destination: string,
  meta: Omit<BackupManifest, 'parts' | 'format'>,
  parts: BackupPartSource[],
  recipients: BackupRecipients,
): Promise<{ size: number; sha256: string; manifest: BackupManifest }> {
  checkMeta(meta);
  if (recipients.deviceKey.length !== DEVICE_KEY_BYTES) {
    throw new RangeError(`A device key is ${DEVICE_KEY_BYTES} bytes`);
  }
  const problem = partNamesProblem(parts.map((part) => part.name));
  if (problem !== undefined) {
    throw new RangeError(`Cannot back up: ${problem}`);
  }
  const sources: Array<BackupPartSource & { handle: FileHandle; size: number; sha256: string }> = [];
  try {
    for (const part of parts) {
      // Each part stays open from its first pass to its second: a file renamed over meanwhile is not mixed in.
      const handle = await open(part.path, 'r');
      const source = { ...part, handle, size: 0, sha256: '' };
      sources.push(source);
      if (!(await handle.stat()).isFile()) {
        throw new Error(`Cannot back up ${part.path}: not a regular file`);
      }
      Object.assign(source, await hashHandle(handle));
    }
    const entries = sources.map(({ name, size, sha256 }) => ({ name, size, sha256 }));
    const manifest: BackupManifest = {
      format: BACKUP_FORMAT_VERSION,
      firmwareVersion: meta.firmwareVersion,
      createdAt: meta.createdAt,
      hostname: meta.hostname,
      kind: meta.kind,
      parts: entries,
    };
    const framedManifest = encodeManifest(manifest);
    const plaintextLength = entries.reduce((sum, entry) => sum + entry.size, framedManifest.length);

    const fileKey = randomBytes(FILE_KEY_BYTES);
    const noncePrefix = randomBytes(NONCE_PREFIX_BYTES);
    const header = encodeHeader({
      chunkSize: DEFAULT_CHUNK_SIZE,
      plaintextLength,
      noncePrefix,
      passphraseSlot: recipients.passphrase === null ? null : sealPassphraseSlot(fileKey, recipients.passphrase),
      deviceSlot: sealDeviceSlot(fileKey, recipients.deviceKey),
    });
    const fileHash = createHash('sha256');
    let size = 0;
    await writeAtomically(destination, async (output) => {
      const append = async (bytes: Uint8Array): Promise<void> => {
        fileHash.update(bytes);
        size += bytes.length;
        await writeAll(output, bytes);
      };
      await append(header);
      const associatedData = createHash('sha256').update(header).digest();
      const sealer = new ChunkSealer(fileKey, noncePrefix, associatedData, DEFAULT_CHUNK_SIZE, append);
      await sealer.push(framedManifest);
      for (const source of sources) {
        await copyPart(source, (bytes) => sealer.push(bytes));
      }
      await sealer.finish();
    });
    return { size, sha256: fileHash.digest('hex'), manifest };
  } finally {
    await Promise.all(sources.map(({ handle }) => handle.close()));
  }
}

/** Reads the header only (no secret needed): format version, slots present, device key id; throws BackupFileError. */
export async function inspectBackupFile(
  path: string,
): Promise<{ format: number; hasPassphraseSlot: boolean; deviceKeyId: string | null }> {
  const handle = await open(path, 'r');
  try {
    const header = await readHeader(handle, (await handle.stat()).size);
    return {
      format: header.version,
      hasPassphraseSlot: header.passphraseSlot !== null,
      deviceKeyId: header.deviceSlot === null ? null : deviceSlotKeyId(header.deviceSlot),
    };
  } finally {
    await handle.close();
  }
}

/** Verifies everything and extracts the parts under extractDir (created, 0700); on any failure removes what it wrote and throws. */
export async function readBackupFile(path: string, secret: BackupSecret, extractDir: string): Promise<BackupManifest> {
  const handle = await open(path, 'r');
  try {
    const fileSize = (await handle.stat()).size;
    const header = await readHeader(handle, fileSize);
    const expected = expectedFileSize(header);
    if (fileSize < expected) {
      throw truncated();
    }
    if (fileSize > expected) {
      throw wrongSecretOrDamaged();
    }
    const fileKey = await openFileKey(header, secret);
    const associatedData = createHash('sha256').update(header.bytes).digest();
    const plaintext = new PlaintextReader(openChunks(handle, header, fileKey, associatedData));
    return await extractInto(extractDir, (directory) => extractParts(plaintext, header, directory));
  } finally {
    await handle.close();
  }
}

async function openFileKey(header: BackupHeader, secret: BackupSecret): Promise<Uint8Array> {
  if (secret.kind === 'passphrase') {
    if (header.passphraseSlot === null) {
      throw new BackupFileError(
        'no_slot_for_secret',
        'This backup was made without a backup passphrase: only the box that made it can open it.',
      );
    }
    return openPassphraseSlot(header.passphraseSlot, secret.passphrase);
  }
  if (header.deviceSlot === null || deviceSlotKeyId(header.deviceSlot) !== deviceKeyId(secret.deviceKey)) {
    throw new BackupFileError(
      'no_slot_for_secret',
      'This backup was made on another box (or before its device key was replaced): open it with the backup passphrase.',
    );
  }
  return openDeviceSlot(header.deviceSlot, secret.deviceKey);
}

async function extractParts(
  plaintext: PlaintextReader,
  header: BackupHeader,
  directory: string,
): Promise<BackupManifest> {
  const manifestLength = (await plaintext.readExact(4)).readUInt32BE(0);
  if (manifestLength > MANIFEST_LIMITS.maxBytes) {
    // Authenticated, so only a forged file gets here; still never allocated.
    throw wrongSecretOrDamaged();
  }
  const manifest = parseManifestV1(await plaintext.readExact(manifestLength));
  if (manifest === undefined || manifest.format !== header.version) {
    throw wrongSecretOrDamaged();
  }
  const framed = manifest.parts.reduce((sum, part) => sum + part.size, 4 + manifestLength);
  if (framed !== header.plaintextLength) {
    throw wrongSecretOrDamaged();
  }
  for (const part of manifest.parts) {
    const target = resolve(directory, ...part.name.split('/'));
    if (!target.startsWith(directory + sep)) {
      throw wrongSecretOrDamaged();
    }
    await mkdir(dirname(target), { recursive: true, mode: 0o700 });
    const output = await open(target, 'wx', 0o600);
    const hash = createHash('sha256');
    try {
      for await (const piece of plaintext.take(part.size)) {
        hash.update(piece);
        await writeAll(output, piece);
      }
      await output.sync();
    } finally {
      await output.close();
    }
    if (hash.digest('hex') !== part.sha256) {
      throw wrongSecretOrDamaged();
    }
  }
  if (!(await plaintext.atEnd())) {
    throw wrongSecretOrDamaged();
  }
  return migrateManifest(manifest);
}

/**
 * Older formats are migrated on read: each reader returns the manifest in today's shape. Version 1 is the first
 * format, so there is nothing to change yet; a version 2 would map version 1's manifest here.
 */
function migrateManifest(manifest: BackupManifest): BackupManifest {
  return { ...manifest, format: BACKUP_FORMAT_VERSION };
}

/**
 * Runs `extract` on extractDir (created 0700 if missing; an existing one must be empty) and removes everything it
 * wrote there if it throws, so a refused file leaves nothing behind.
 */
async function extractInto<T>(extractDir: string, extract: (directory: string) => Promise<T>): Promise<T> {
  const directory = resolve(extractDir);
  await mkdir(dirname(directory), { recursive: true, mode: 0o700 });
  const created = await mkdir(directory, { mode: 0o700 }).then(
    () => true,
    (error: unknown) => {
      if (isErrno(error, 'EEXIST')) {
        return false;
      }
      throw error;
    },
  );
  if (!created && (await readdir(directory)).length > 0) {
    throw new Error(`Cannot extract a backup into ${directory}: it is not empty`);
  }
  try {
    return await extract(directory);
  } catch (error) {
    if (created) {
      await rm(directory, { recursive: true, force: true });
    } else {
      for (const entry of await readdir(directory)) {
        await rm(join(directory, entry), { recursive: true, force: true });
      }
    }
    throw error;
  }
}

/** First pass: the size and SHA-256 of a part, read through its open handle. */
async function hashHandle(handle: FileHandle): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  const buffer = Buffer.alloc(READ_BUFFER_BYTES);
  let size = 0;
  for (;;) {
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, size);
    if (bytesRead === 0) {
      break;
    }
    hash.update(buffer.subarray(0, bytesRead));
    size += bytesRead;
  }
  return { size, sha256: hash.digest('hex') };
}

/** Second pass: exactly the bytes the manifest promised, or the backup fails (the part changed meanwhile). */
async function copyPart(
  { handle, path, size, sha256 }: { handle: FileHandle; path: string; size: number; sha256: string },
  sink: (bytes: Uint8Array) => Promise<void>,
): Promise<void> {
  const changed = new Error(`Cannot back up ${path}: it changed while the backup was being written`);
  const hash = createHash('sha256');
  const buffer = Buffer.alloc(READ_BUFFER_BYTES);
  let position = 0;
  while (position < size) {
    const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, size - position), position);
    if (bytesRead === 0) {
      throw changed;
    }
    const bytes = buffer.subarray(0, bytesRead);
    hash.update(bytes);
    // The sealer copies what it is given, so the buffer can be reused for the next read.
    await sink(bytes);
    position += bytesRead;
  }
  const beyond = await handle.read(Buffer.alloc(1), 0, 1, position);
  if (beyond.bytesRead !== 0 || hash.digest('hex') !== sha256) {
    throw changed;
  }
}

function checkMeta(meta: Omit<BackupManifest, 'parts' | 'format'>): void {
  if (!BACKUP_KINDS.includes(meta.kind)) {
    throw new RangeError(`Unknown backup kind ${JSON.stringify(meta.kind)}`);
  }
  if (Number.isNaN(Date.parse(meta.createdAt))) {
    throw new RangeError(`createdAt ${JSON.stringify(meta.createdAt)} is not a date`);
  }
  for (const text of [meta.firmwareVersion, meta.hostname, meta.createdAt]) {
    if (text.length > MANIFEST_LIMITS.maxText) {
      throw new RangeError(`A backup's manifest texts are at most ${MANIFEST_LIMITS.maxText} characters`);
    }
  }
}

/** write(2) may write less than asked (a full disk, a signal); the rest follows or the error surfaces. */
async function writeAll(handle: FileHandle, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset);
    offset += bytesWritten;
  }
}
