// The encrypted payload: the framed plaintext cut into chunks of `chunkSize` bytes (the last one shorter, or
// empty when there is no plaintext), each sealed with XChaCha20-Poly1305 under the file key. This is the STREAM
// construction (Hoang, Reyhanitabar, Rogaway, Vizár 2015), as in age and libsodium's secretstream:
//
//   nonce(i)  = nonce prefix (19 bytes, random per file) ‖ i as u32 big-endian ‖ final flag (0x01 last, else 0x00)
//   chunk(i)  = XChaCha20-Poly1305(file key, nonce(i), AD = SHA-256(header)).seal(plaintext bytes of chunk i)
//
// A chunk moved, repeated or dropped fails its tag (its counter is in the nonce); a file cut at a chunk boundary
// fails because its new last chunk was not sealed as final; the header is authenticated by every chunk.
// One chunk is in memory at a time, on either side.
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { type FileHandle } from 'node:fs/promises';
import { tooLarge, truncated, wrongSecretOrDamaged } from './backup-file-error.js';
import { type BackupHeader, NONCE_PREFIX_BYTES, TAG_BYTES, chunkCount, readAt } from './backup-header.js';

const MAX_CHUNKS = 2 ** 32;

export function chunkNonce(prefix: Uint8Array, index: number, final: boolean): Uint8Array {
  const nonce = new Uint8Array(NONCE_PREFIX_BYTES + 5);
  nonce.set(prefix.subarray(0, NONCE_PREFIX_BYTES), 0);
  new DataView(nonce.buffer).setUint32(NONCE_PREFIX_BYTES, index);
  nonce[NONCE_PREFIX_BYTES + 4] = final ? 1 : 0;
  return nonce;
}

/** Cuts what is pushed into chunks and seals each; a full chunk waits until more comes, to know if it is last. */
export class ChunkSealer {
  private readonly buffer: Uint8Array;
  private filled = 0;
  private index = 0;
  private finished = false;

  constructor(
    private readonly fileKey: Uint8Array,
    private readonly noncePrefix: Uint8Array,
    private readonly associatedData: Uint8Array,
    chunkSize: number,
    private readonly sink: (sealed: Uint8Array) => Promise<void>,
  ) {
    this.buffer = new Uint8Array(chunkSize);
  }

  async push(data: Uint8Array): Promise<void> {
    let offset = 0;
    while (offset < data.length) {
      if (this.filled === this.buffer.length) {
        await this.seal(false);
      }
      const count = Math.min(this.buffer.length - this.filled, data.length - offset);
      this.buffer.set(data.subarray(offset, offset + count), this.filled);
      this.filled += count;
      offset += count;
    }
  }

  /** Seals what is left as the final chunk; nothing may be pushed after. */
  async finish(): Promise<void> {
    await this.seal(true);
    this.finished = true;
  }

  private async seal(final: boolean): Promise<void> {
    if (this.finished) {
      throw new Error('The backup stream is already finished');
    }
    if (this.index >= MAX_CHUNKS) {
      throw tooLarge(`more than ${MAX_CHUNKS} chunks`);
    }
    const nonce = chunkNonce(this.noncePrefix, this.index, final);
    const sealed = xchacha20poly1305(this.fileKey, nonce, this.associatedData).encrypt(
      this.buffer.subarray(0, this.filled),
    );
    this.index += 1;
    this.filled = 0;
    await this.sink(sealed);
  }
}

/**
 * The plaintext chunks of a file, in order, each authenticated before it is yielded. The caller has checked that
 * the file's size is the one the header implies; a read that still comes up short means the file shrank.
 */
export async function* openChunks(
  handle: FileHandle,
  header: BackupHeader,
  fileKey: Uint8Array,
  associatedData: Uint8Array,
): AsyncGenerator<Uint8Array> {
  const count = chunkCount(header);
  let position = header.bytes.length;
  let remaining = header.plaintextLength;
  for (let index = 0; index < count; index += 1) {
    const plainLength = Math.min(header.chunkSize, remaining);
    const sealed = await readAt(handle, position, plainLength + TAG_BYTES);
    if (sealed.length < plainLength + TAG_BYTES) {
      throw truncated();
    }
    const final = index === count - 1;
    let plaintext: Uint8Array;
    try {
      plaintext = xchacha20poly1305(fileKey, chunkNonce(header.noncePrefix, index, final), associatedData).decrypt(
        sealed,
      );
    } catch {
      throw wrongSecretOrDamaged();
    }
    position += sealed.length;
    remaining -= plainLength;
    yield plaintext;
  }
}

/** Reads the plaintext as a sequence of fields: a few exact bytes (lengths, the manifest), or a part streamed. */
export class PlaintextReader {
  private pending: Uint8Array = new Uint8Array(0);

  constructor(private readonly chunks: AsyncIterator<Uint8Array>) {}

  /** Exactly `length` bytes, gathered in memory: only for small, bounded fields. */
  async readExact(length: number): Promise<Buffer> {
    const pieces: Uint8Array[] = [];
    for await (const piece of this.take(length)) {
      pieces.push(piece);
    }
    return Buffer.concat(pieces);
  }

  /** Exactly `length` bytes as pieces of at most one chunk each. */
  async *take(length: number): AsyncGenerator<Uint8Array> {
    let left = length;
    while (left > 0) {
      if (this.pending.length === 0) {
        const next = await this.chunks.next();
        if (next.done === true) {
          // The header's plaintext length promised more than the framing holds: the writer was wrong or forged.
          throw wrongSecretOrDamaged();
        }
        this.pending = next.value;
        continue;
      }
      const piece = this.pending.subarray(0, Math.min(left, this.pending.length));
      this.pending = this.pending.subarray(piece.length);
      left -= piece.length;
      yield piece;
    }
  }

  /** Whether every byte was read: trailing plaintext the framing does not account for is damage. */
  async atEnd(): Promise<boolean> {
    while (this.pending.length === 0) {
      const next = await this.chunks.next();
      if (next.done === true) {
        return true;
      }
      this.pending = next.value;
    }
    return false;
  }
}
