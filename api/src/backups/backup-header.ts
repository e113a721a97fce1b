// The header of a .burrowbackup file: everything before the encrypted chunks, read without any secret. It is
// authenticated through the chunks (their associated data is its SHA-256), so nothing read here is trusted
// beyond deciding whether to go on; limits are checked before anything is allocated from it.
//
//   offset  size  field
//        0     8  magic "BURROWBK"
//        8     2  format version, u16 big-endian
//       10     2  header length in bytes (magic included), u16
//       12     4  plaintext bytes per chunk, u32
//       16     8  plaintext length in bytes (the whole framed plaintext), u64
//       24    19  nonce prefix (random per file)
//       43     1  slot count (1 or 2)
//       44     …  the slots, one after the other, each opening with its type (backup-keys.ts)
//
// Bytes 0–9 stay the same in every format version, so any later reader can tell a newer file from a damaged one.
import { type FileHandle } from 'node:fs/promises';
import { BackupFileError, notABackup, tooLarge, truncated, wrongSecretOrDamaged } from './backup-file-error.js';
import { DEVICE_SLOT_BYTES, PASSPHRASE_SLOT_BYTES, SLOT_TYPE, checkKdf, passphraseSlotKdf } from './backup-keys.js';

export const BACKUP_FORMAT_VERSION = 1;
export const MAGIC = Buffer.from('BURROWBK', 'ascii');
export const NONCE_PREFIX_BYTES = 19;
export const DEFAULT_CHUNK_SIZE = 64 * 1024;
export const TAG_BYTES = 16;

/** A file asking for chunks outside this range is refused before a chunk buffer is allocated. */
export const CHUNK_SIZE_LIMITS = { min: 1024, max: 1024 * 1024 } as const;
/** Far above any router's configuration; a header claiming more is refused rather than read for hours. */
export const MAX_PLAINTEXT_BYTES = 8 * 1024 ** 3;

const VERSION_AT = 8;
const LENGTH_AT = 10;
const CHUNK_SIZE_AT = 12;
const PLAINTEXT_LENGTH_AT = 16;
const NONCE_PREFIX_AT = 24;
const SLOT_COUNT_AT = NONCE_PREFIX_AT + NONCE_PREFIX_BYTES;
export const FIXED_HEADER_BYTES = SLOT_COUNT_AT + 1; // 44
const MAX_HEADER_BYTES = FIXED_HEADER_BYTES + PASSPHRASE_SLOT_BYTES + DEVICE_SLOT_BYTES;

export interface BackupHeader {
  version: number;
  chunkSize: number;
  plaintextLength: number;
  noncePrefix: Buffer;
  passphraseSlot: Buffer | null;
  deviceSlot: Buffer | null;
  /** The header's bytes exactly as in the file: their SHA-256 is every chunk's associated data. */
  bytes: Buffer;
}

export function encodeHeader(fields: Omit<BackupHeader, 'bytes' | 'version'>): Buffer {
  const slots = [fields.passphraseSlot, fields.deviceSlot].filter((slot) => slot !== null);
  const fixed = Buffer.alloc(FIXED_HEADER_BYTES);
  MAGIC.copy(fixed, 0);
  fixed.writeUInt16BE(BACKUP_FORMAT_VERSION, VERSION_AT);
  fixed.writeUInt16BE(FIXED_HEADER_BYTES + slots.reduce((sum, slot) => sum + slot.length, 0), LENGTH_AT);
  fixed.writeUInt32BE(fields.chunkSize, CHUNK_SIZE_AT);
  fixed.writeBigUInt64BE(BigInt(fields.plaintextLength), PLAINTEXT_LENGTH_AT);
  fields.noncePrefix.copy(fixed, NONCE_PREFIX_AT);
  fixed[SLOT_COUNT_AT] = slots.length;
  return Buffer.concat([fixed, ...slots]);
}

/**
 * Reads and checks the header at the start of the file, in this order: not a backup (magic), a newer format
 * (naming both versions), truncated, sizes over the limits, then its structure.
 */
export async function readHeader(handle: FileHandle, fileSize: number): Promise<BackupHeader> {
  const start = await readAt(handle, 0, Math.min(fileSize, FIXED_HEADER_BYTES));
  const magicPart = start.subarray(0, MAGIC.length);
  if (start.length === 0 || !MAGIC.subarray(0, magicPart.length).equals(magicPart)) {
    throw notABackup();
  }
  if (start.length < VERSION_AT + 2) {
    throw truncated();
  }
  const version = start.readUInt16BE(VERSION_AT);
  if (version > BACKUP_FORMAT_VERSION) {
    throw new BackupFileError(
      'newer_format',
      `This backup is format version ${version}; this firmware reads format versions up to ${BACKUP_FORMAT_VERSION}. ` +
        'Update the firmware, then restore it.',
    );
  }
  // Version 1 is the first format: there is nothing older to migrate yet (see docs/backup-format.md).
  if (version !== 1) {
    throw notABackup();
  }
  if (start.length < FIXED_HEADER_BYTES) {
    throw truncated();
  }
  const length = start.readUInt16BE(LENGTH_AT);
  if (length < FIXED_HEADER_BYTES || length > MAX_HEADER_BYTES) {
    throw wrongSecretOrDamaged();
  }
  if (fileSize < length) {
    throw truncated();
  }
  const bytes = Buffer.concat([start, await readAt(handle, FIXED_HEADER_BYTES, length - FIXED_HEADER_BYTES)]);
  return parseHeaderV1(bytes);
}

function parseHeaderV1(bytes: Buffer): BackupHeader {
  const chunkSize = bytes.readUInt32BE(CHUNK_SIZE_AT);
  if (chunkSize > CHUNK_SIZE_LIMITS.max) {
    throw tooLarge(`chunks of ${chunkSize} bytes`);
  }
  if (chunkSize < CHUNK_SIZE_LIMITS.min) {
    throw wrongSecretOrDamaged();
  }
  const plaintextLength = bytes.readBigUInt64BE(PLAINTEXT_LENGTH_AT);
  if (plaintextLength > BigInt(MAX_PLAINTEXT_BYTES)) {
    throw tooLarge(`${plaintextLength} bytes of content`);
  }
  let passphraseSlot: Buffer | null = null;
  let deviceSlot: Buffer | null = null;
  const count = bytes.readUInt8(SLOT_COUNT_AT);
  let at = FIXED_HEADER_BYTES;
  for (let index = 0; index < count; index += 1) {
    const type = bytes[at];
    if (type === SLOT_TYPE.passphrase && passphraseSlot === null && at + PASSPHRASE_SLOT_BYTES <= bytes.length) {
      passphraseSlot = bytes.subarray(at, at + PASSPHRASE_SLOT_BYTES);
      at += PASSPHRASE_SLOT_BYTES;
    } else if (type === SLOT_TYPE.device && deviceSlot === null && at + DEVICE_SLOT_BYTES <= bytes.length) {
      deviceSlot = bytes.subarray(at, at + DEVICE_SLOT_BYTES);
      at += DEVICE_SLOT_BYTES;
    } else {
      throw wrongSecretOrDamaged();
    }
  }
  if (count === 0 || at !== bytes.length) {
    throw wrongSecretOrDamaged();
  }
  if (passphraseSlot !== null) {
    checkKdf(passphraseSlotKdf(passphraseSlot));
  }
  return {
    version: 1,
    chunkSize,
    plaintextLength: Number(plaintextLength),
    noncePrefix: bytes.subarray(NONCE_PREFIX_AT, SLOT_COUNT_AT),
    passphraseSlot,
    deviceSlot,
    bytes,
  };
}

/** The file's size implied by the header: a file of any other size is truncated or damaged. */
export function expectedFileSize(header: Pick<BackupHeader, 'bytes' | 'chunkSize' | 'plaintextLength'>): number {
  return header.bytes.length + header.plaintextLength + chunkCount(header) * TAG_BYTES;
}

/** At least one chunk: an empty plaintext is still sealed once, as the final chunk. */
export function chunkCount(header: Pick<BackupHeader, 'chunkSize' | 'plaintextLength'>): number {
  return Math.max(1, Math.ceil(header.plaintextLength / header.chunkSize));
}

/** Up to `length` bytes at `position`; fewer only at the end of the file. */
export async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(buffer, filled, length - filled, position + filled);
    if (bytesRead === 0) {
      break;
    }
    filled += bytesRead;
  }
  return buffer.subarray(0, filled);
}
