// Files made with the right key but a hostile or wrong inside: what a reader must refuse even when every tag is
// good (a part name that climbs out of the extract dir, a manifest that does not add up), and chunks moved.
import { createHash, randomBytes } from 'node:crypto';
import { access, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';
import { BackupFileError, readBackupFile, writeBackupFile } from './backup-file.js';
import { DEFAULT_CHUNK_SIZE, NONCE_PREFIX_BYTES, TAG_BYTES, encodeHeader } from './backup-header.js';
import { sealDeviceSlot } from './backup-keys.js';
import { ChunkSealer } from './backup-stream.js';
import { META, tempDir, writeParts } from '../testing/backup-files.js';

/** A file sealed properly around whatever framed plaintext the test gives. */
async function forge(path: string, deviceKey: Buffer, plaintext: Buffer): Promise<void> {
  const fileKey = randomBytes(32);
  const noncePrefix = randomBytes(NONCE_PREFIX_BYTES);
  const header = encodeHeader({
    chunkSize: DEFAULT_CHUNK_SIZE,
    plaintextLength: plaintext.length,
    noncePrefix,
    passphraseSlot: null,
    deviceSlot: sealDeviceSlot(fileKey, deviceKey),
  });
  const out: Uint8Array[] = [header];
  const associatedData = createHash('sha256').update(header).digest();
  const sealer = new ChunkSealer(fileKey, noncePrefix, associatedData, DEFAULT_CHUNK_SIZE, (sealed) => {
    out.push(sealed);
    return Promise.resolve();
  });
  await sealer.push(plaintext);
  await sealer.finish();
  await writeFile(path, Buffer.concat(out));
}

function framed(manifest: unknown, ...parts: Buffer[]): Buffer {
  const json = Buffer.from(JSON.stringify(manifest));
  const length = Buffer.alloc(4);
  length.writeUInt32BE(json.length);
  return Buffer.concat([length, json, ...parts]);
}

function entry(name: string, bytes: Buffer) {
  return { name, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
}

test('the forging helper makes files the reader accepts', async (t) => {
  const dir = await tempDir(t);
  const deviceKey = randomBytes(32);
  const file = join(dir, 'f.burrowbackup');
  const db = randomBytes(100_000);
  await forge(file, deviceKey, framed({ format: 1, ...META, parts: [entry('burrow.db', db)] }, db));
  await readBackupFile(file, { kind: 'device', deviceKey }, join(dir, 'x'));
  t.true((await readFile(join(dir, 'x', 'burrow.db'))).equals(db));
});

test('a well-sealed file with a hostile or inconsistent manifest is refused and writes nothing anywhere', async (t) => {
  const dir = await tempDir(t);
  const deviceKey = randomBytes(32);
  const bytes = Buffer.from('evil');
  const base = { format: 1, ...META };
  const cases: Record<string, Buffer> = {
    'climbs out': framed({ ...base, parts: [entry('../evil', bytes)] }, bytes),
    'absolute name': framed({ ...base, parts: [entry('/evil', bytes)] }, bytes),
    'a dot segment': framed({ ...base, parts: [entry('certs/../../evil', bytes)] }, bytes),
    'twice the same name': framed({ ...base, parts: [entry('a', bytes), entry('a', bytes)] }, bytes, bytes),
    'a part under a part': framed({ ...base, parts: [entry('a', bytes), entry('a/b', bytes)] }, bytes, bytes),
    'a wrong hash': framed({ ...base, parts: [{ ...entry('a', bytes), sha256: '0'.repeat(64) }] }, bytes),
    'bytes left over': framed({ ...base, parts: [entry('a', bytes)] }, bytes, bytes),
    'bytes missing': framed({ ...base, parts: [entry('a', bytes), entry('b', bytes)] }, bytes),
    'another format': framed({ ...base, format: 2, parts: [] }),
    'an unknown key': framed({ ...base, extra: true, parts: [] }),
    'an unknown kind': framed({ ...base, kind: 'weekly', parts: [] }),
    'not JSON': Buffer.concat([Buffer.from([0, 0, 0, 3]), Buffer.from('{{{')]),
    'a huge manifest length': Buffer.concat([Buffer.from([0x7f, 0, 0, 0]), Buffer.alloc(10)]),
    'nothing at all': Buffer.alloc(0),
  };
  for (const [label, plaintext] of Object.entries(cases)) {
    const file = join(dir, 'f.burrowbackup');
    await forge(file, deviceKey, plaintext);
    const error = await t.throwsAsync(
      readBackupFile(file, { kind: 'device', deviceKey }, join(dir, 'deep', 'x')),
      { instanceOf: BackupFileError },
      label,
    );
    t.is(error.code, 'wrong_secret_or_damaged', label);
    await t.throwsAsync(access(join(dir, 'deep', 'x')), undefined, label);
    await t.throwsAsync(access(join(dir, 'deep', 'evil')), undefined, label);
  }
});

test('two chunks swapped, or a chunk repeated in place of another, are refused', async (t) => {
  const dir = await tempDir(t);
  const parts = await writeParts(dir, { 'burrow.db': randomBytes(300_000) });
  const deviceKey = randomBytes(32);
  const file = join(dir, 'f.burrowbackup');
  await writeBackupFile(file, META, parts, { passphrase: null, deviceKey });
  const original = await readFile(file);
  const headerLength = original.readUInt16BE(10);
  const size = DEFAULT_CHUNK_SIZE + TAG_BYTES;
  const chunk = (index: number) => original.subarray(headerLength + index * size, headerLength + (index + 1) * size);
  const swapped = Buffer.from(original);
  chunk(2).copy(swapped, headerLength + size);
  chunk(1).copy(swapped, headerLength + 2 * size);
  const repeated = Buffer.from(original);
  chunk(1).copy(repeated, headerLength + 2 * size);
  for (const [label, bytes] of Object.entries({ swapped, repeated })) {
    await writeFile(file, bytes);
    const error = await t.throwsAsync(readBackupFile(file, { kind: 'device', deviceKey }, join(dir, 'x')), {
      instanceOf: BackupFileError,
    });
    t.is(error.code, 'wrong_secret_or_damaged', label);
  }
});
