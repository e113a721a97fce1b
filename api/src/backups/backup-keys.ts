// The key slots of a backup: each wraps the file's random 32-byte file key for one way of opening it.
//
//   passphrase slot: argon2id(passphrase, salt) is an X25519 secret key; the box keeps only its public key, so it
//                    can write backups to the passphrase without being able to read them. The writer makes an
//                    ephemeral X25519 key, and ECDH with the kept public key → HKDF-SHA256 → the wrapping key.
//   device slot:     HKDF-SHA256 of the box's device key (device-key.ts) → the wrapping key; a short key id
//                    says which box's key applies.
//
// The wrapping is XChaCha20-Poly1305 with a random nonce and the slot's own fields before it as associated data.
// The byte layout is in docs/backup-format.md; a change here is a new format version.
import { x25519 } from '@noble/curves/ed25519.js';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { argon2id, hash } from 'argon2';
import { hkdfSync, randomBytes } from 'node:crypto';
import { tooLarge, wrongSecretOrDamaged } from './backup-file-error.js';
import { deviceKeyId } from './device-key.js';

export interface KdfParams {
  memoryKiB: number;
  iterations: number;
  parallelism: number;
}

/** What the box keeps of a backup passphrase: enough to encrypt to it, nothing that opens a backup. */
export interface PassphraseRecipient {
  publicKey: Buffer;
  salt: Buffer;
  kdf: KdfParams;
}

/** argon2id with 64 MiB, 3 passes, 1 lane: RFC 9106's second recommended option, affordable on a small router. */
export const DEFAULT_KDF: Readonly<KdfParams> = { memoryKiB: 65_536, iterations: 3, parallelism: 1 };

/**
 * The most a file may ask of the KDF. The parameters are read from a file that is not yet authenticated, so a
 * header asking for gigabytes is refused before argon2 allocates anything.
 */
export const KDF_LIMITS = { maxMemoryKiB: 262_144, maxIterations: 16, maxParallelism: 4 } as const;

export const FILE_KEY_BYTES = 32;
export const SALT_BYTES = 16;
export const DEVICE_KEY_ID_BYTES = 8;
const KEY_BYTES = 32;
const WRAP_NONCE_BYTES = 24;
const WRAPPED_KEY_BYTES = FILE_KEY_BYTES + 16;

export const SLOT_TYPE = { passphrase: 0x01, device: 0x02 } as const;

// Passphrase slot: type, salt, memoryKiB, iterations, parallelism, ephemeral public key, nonce, wrapped key.
const P_SALT = 1;
const P_MEMORY = P_SALT + SALT_BYTES;
const P_ITERATIONS = P_MEMORY + 4;
const P_PARALLELISM = P_ITERATIONS + 4;
const P_EPHEMERAL = P_PARALLELISM + 4;
const P_NONCE = P_EPHEMERAL + KEY_BYTES;
const P_WRAPPED = P_NONCE + WRAP_NONCE_BYTES;
export const PASSPHRASE_SLOT_BYTES = P_WRAPPED + WRAPPED_KEY_BYTES; // 133

// Device slot: type, key id, nonce, wrapped key.
const D_KEY_ID = 1;
const D_NONCE = D_KEY_ID + DEVICE_KEY_ID_BYTES;
const D_WRAPPED = D_NONCE + WRAP_NONCE_BYTES;
export const DEVICE_SLOT_BYTES = D_WRAPPED + WRAPPED_KEY_BYTES; // 81

const PASSPHRASE_INFO = Buffer.from('burrow-backup v1 passphrase slot');
const DEVICE_INFO = Buffer.from('burrow-backup v1 device slot');

/** Derives the public side to keep for a passphrase (a new random salt unless given; the default KDF unless given). */
export async function passphraseRecipient(
  passphrase: string,
  salt: Buffer = randomBytes(SALT_BYTES),
  kdf: KdfParams = DEFAULT_KDF,
): Promise<PassphraseRecipient> {
  if (salt.length !== SALT_BYTES) {
    throw new RangeError(`A backup passphrase salt is ${SALT_BYTES} bytes, not ${salt.length}`);
  }
  checkKdf(kdf);
  const secretKey = await passphraseSecretKey(passphrase, salt, kdf);
  return { publicKey: Buffer.from(x25519.getPublicKey(secretKey)), salt: Buffer.from(salt), kdf: { ...kdf } };
}

/** Refuses parameters argon2 would reject or that ask for more than KDF_LIMITS, before any memory is spent. */
export function checkKdf(kdf: KdfParams): void {
  const { memoryKiB, iterations, parallelism } = kdf;
  if (memoryKiB > KDF_LIMITS.maxMemoryKiB) {
    throw tooLarge(`${memoryKiB} KiB of KDF memory`);
  }
  if (iterations > KDF_LIMITS.maxIterations || parallelism > KDF_LIMITS.maxParallelism) {
    throw tooLarge(`${iterations} KDF passes over ${parallelism} lanes`);
  }
  // argon2 needs at least 8 KiB per lane.
  if (!(iterations >= 1 && parallelism >= 1 && memoryKiB >= 8 * parallelism)) {
    throw wrongSecretOrDamaged();
  }
}

function passphraseSecretKey(passphrase: string, salt: Buffer, kdf: KdfParams): Promise<Buffer> {
  return hash(passphrase, {
    type: argon2id,
    raw: true,
    salt,
    hashLength: KEY_BYTES,
    memoryCost: kdf.memoryKiB,
    timeCost: kdf.iterations,
    parallelism: kdf.parallelism,
  });
}

function hkdf(ikm: Uint8Array, salt: Uint8Array, info: Buffer): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', ikm, salt, info, KEY_BYTES));
}

/** A passphrase slot wrapping fileKey to the recipient's public key. */
export function sealPassphraseSlot(fileKey: Uint8Array, recipient: PassphraseRecipient): Buffer {
  // The recipient comes from stored settings: a damaged one must fail the backup, not write an unopenable file.
  if (recipient.salt.length !== SALT_BYTES || recipient.publicKey.length !== KEY_BYTES) {
    throw new RangeError(`A passphrase recipient has a ${SALT_BYTES}-byte salt and a ${KEY_BYTES}-byte public key`);
  }
  checkKdf(recipient.kdf);
  const slot = Buffer.alloc(PASSPHRASE_SLOT_BYTES);
  slot[0] = SLOT_TYPE.passphrase;
  recipient.salt.copy(slot, P_SALT);
  slot.writeUInt32BE(recipient.kdf.memoryKiB, P_MEMORY);
  slot.writeUInt32BE(recipient.kdf.iterations, P_ITERATIONS);
  slot.writeUInt32BE(recipient.kdf.parallelism, P_PARALLELISM);
  const ephemeral = x25519.utils.randomSecretKey();
  const ephemeralPublic = x25519.getPublicKey(ephemeral);
  slot.set(ephemeralPublic, P_EPHEMERAL);
  const shared = x25519.getSharedSecret(ephemeral, recipient.publicKey);
  const wrapKey = hkdf(shared, Buffer.concat([ephemeralPublic, recipient.publicKey]), PASSPHRASE_INFO);
  randomBytes(WRAP_NONCE_BYTES).copy(slot, P_NONCE);
  return wrap(slot, P_NONCE, P_WRAPPED, wrapKey, fileKey);
}

/** A device slot wrapping fileKey to the box's device key. */
export function sealDeviceSlot(fileKey: Uint8Array, deviceKey: Buffer): Buffer {
  const slot = Buffer.alloc(DEVICE_SLOT_BYTES);
  slot[0] = SLOT_TYPE.device;
  Buffer.from(deviceKeyId(deviceKey), 'hex').copy(slot, D_KEY_ID);
  randomBytes(WRAP_NONCE_BYTES).copy(slot, D_NONCE);
  const wrapKey = hkdf(deviceKey, slot.subarray(D_NONCE, D_WRAPPED), DEVICE_INFO);
  return wrap(slot, D_NONCE, D_WRAPPED, wrapKey, fileKey);
}

function wrap(slot: Buffer, nonceAt: number, wrappedAt: number, wrapKey: Uint8Array, fileKey: Uint8Array): Buffer {
  const nonce = slot.subarray(nonceAt, nonceAt + WRAP_NONCE_BYTES);
  const sealed = xchacha20poly1305(wrapKey, nonce, slot.subarray(0, wrappedAt)).encrypt(fileKey);
  slot.set(sealed, wrappedAt);
  return slot;
}

/** The KDF parameters a passphrase slot asks for; checked against KDF_LIMITS before use. */
export function passphraseSlotKdf(slot: Buffer): KdfParams {
  return {
    memoryKiB: slot.readUInt32BE(P_MEMORY),
    iterations: slot.readUInt32BE(P_ITERATIONS),
    parallelism: slot.readUInt32BE(P_PARALLELISM),
  };
}

export function deviceSlotKeyId(slot: Buffer): string {
  return slot.subarray(D_KEY_ID, D_NONCE).toString('hex');
}

/** The file key from a passphrase slot; a wrong passphrase and a damaged slot both fail the tag. */
export async function openPassphraseSlot(slot: Buffer, passphrase: string): Promise<Uint8Array> {
  const kdf = passphraseSlotKdf(slot);
  checkKdf(kdf);
  const secretKey = await passphraseSecretKey(passphrase, slot.subarray(P_SALT, P_MEMORY), kdf);
  const ephemeralPublic = slot.subarray(P_EPHEMERAL, P_NONCE);
  let shared: Uint8Array;
  try {
    shared = x25519.getSharedSecret(secretKey, ephemeralPublic);
  } catch {
    // A low-order point: only a damaged or forged slot holds one.
    throw wrongSecretOrDamaged();
  }
  const publicKey = x25519.getPublicKey(secretKey);
  const wrapKey = hkdf(shared, Buffer.concat([ephemeralPublic, publicKey]), PASSPHRASE_INFO);
  return unwrap(slot, P_NONCE, P_WRAPPED, wrapKey);
}

/** The file key from a device slot, once the caller has matched the key id. */
export function openDeviceSlot(slot: Buffer, deviceKey: Buffer): Uint8Array {
  const wrapKey = hkdf(deviceKey, slot.subarray(D_NONCE, D_WRAPPED), DEVICE_INFO);
  return unwrap(slot, D_NONCE, D_WRAPPED, wrapKey);
}

function unwrap(slot: Buffer, nonceAt: number, wrappedAt: number, wrapKey: Uint8Array): Uint8Array {
  const nonce = slot.subarray(nonceAt, nonceAt + WRAP_NONCE_BYTES);
  try {
    return xchacha20poly1305(wrapKey, nonce, slot.subarray(0, wrappedAt)).decrypt(slot.subarray(wrappedAt));
  } catch {
    throw wrongSecretOrDamaged();
  }
}
