import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { access, mkdir, open, readdir, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import {
  BACKUP_FORMAT_VERSION,
  BackupFileError,
  type BackupFileErrorCode,
  type BackupRecipients,
  type BackupSecret,
  DEFAULT_KDF,
  inspectBackupFile,
  passphraseRecipient,
  readBackupFile,
  writeBackupFile,
} from './backup-file.js';
import { FIXED_HEADER_BYTES, TAG_BYTES } from './backup-header.js';
import { DEVICE_SLOT_BYTES, PASSPHRASE_SLOT_BYTES } from './backup-keys.js';
import { deviceKeyId } from './device-key.js';
import { FAST_KDF, META, sampleContents, tempDir, writeParts } from '../testing/backup-files.js';

const PASSPHRASE = 'correct horse battery staple';
const CHUNK_ON_DISK = 64 * 1024 + TAG_BYTES;

interface Fixture {
  dir: string;
  file: string;
  contents: Record<string, Buffer>;
  deviceKey: Buffer;
  recipients: BackupRecipients;
}

async function fixture(t: ExecutionContext, withPassphrase = true, contents = sampleContents()): Promise<Fixture> {
  const dir = await tempDir(t);
  const parts = await writeParts(dir, contents);
  const deviceKey = randomBytes(32);
  const recipients: BackupRecipients = {
    passphrase: withPassphrase ? await passphraseRecipient(PASSPHRASE, undefined, FAST_KDF) : null,
    deviceKey,
  };
  const file = join(dir, 'one.burrowbackup');
  await writeBackupFile(file, META, parts, recipients);
  return { dir, file, contents, deviceKey, recipients };
}

async function assertExtracted(t: ExecutionContext, extractDir: string, contents: Record<string, Buffer>) {
  t.is((await stat(extractDir)).mode & 0o777, 0o700);
  for (const [name, bytes] of Object.entries(contents)) {
    const path = join(extractDir, ...name.split('/'));
    t.true((await readFile(path)).equals(bytes), name);
    t.is((await stat(path)).mode & 0o777, 0o600, name);
  }
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** Reading fails with a BackupFileError (of `code` when given) and leaves no extract dir behind. */
async function assertRefused(
  t: ExecutionContext,
  file: string,
  secret: BackupSecret,
  extractDir: string,
  code?: BackupFileErrorCode,
  label?: string,
): Promise<BackupFileError> {
  const error = await t.throwsAsync(readBackupFile(file, secret, extractDir), { instanceOf: BackupFileError }, label);
  if (code !== undefined) {
    t.is(error?.code, code, label);
  }
  t.false(await exists(extractDir), `${label ?? ''}: the extract dir is gone`);
  return error;
}

test('a backup with both slots opens with the passphrase and with the device key', async (t) => {
  const { dir, file, contents, deviceKey } = await fixture(t);
  const passphraseDir = join(dir, 'by-passphrase');
  const manifest = await readBackupFile(file, { kind: 'passphrase', passphrase: PASSPHRASE }, passphraseDir);
  await assertExtracted(t, passphraseDir, contents);
  t.deepEqual(manifest, {
    format: BACKUP_FORMAT_VERSION,
    ...META,
    parts: Object.entries(contents).map(([name, bytes]) => ({
      name,
      size: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
    })),
  });
  const deviceDir = join(dir, 'by-device');
  t.deepEqual(await readBackupFile(file, { kind: 'device', deviceKey }, deviceDir), manifest);
  await assertExtracted(t, deviceDir, contents);
  t.deepEqual(await inspectBackupFile(file), {
    format: 1,
    hasPassphraseSlot: true,
    deviceKeyId: deviceKeyId(deviceKey),
  });
});

test('the writer reports the size and SHA-256 of the file it wrote, and leaves no temporary file', async (t) => {
  const dir = await tempDir(t);
  const parts = await writeParts(dir, sampleContents());
  const file = join(dir, 'out', 'x.burrowbackup');
  await mkdir(join(dir, 'out'));
  const result = await writeBackupFile(file, META, parts, { passphrase: null, deviceKey: randomBytes(32) });
  const bytes = await readFile(file);
  t.is(result.size, bytes.length);
  t.is(result.sha256, createHash('sha256').update(bytes).digest('hex'));
  t.is(result.manifest.parts.length, 3);
  t.deepEqual(await readdir(join(dir, 'out')), ['x.burrowbackup']);
  t.is((await stat(file)).mode & 0o777, 0o600);
  // Nothing of the content is readable in the file.
  t.false(bytes.includes(Buffer.from('BEGIN PRIVATE KEY')));
  t.false(bytes.includes(Buffer.from('burrow.db')));
});

test('a device-only backup opens with the device key and says so to a passphrase', async (t) => {
  const { dir, file, contents, deviceKey } = await fixture(t, false);
  t.deepEqual(await inspectBackupFile(file), {
    format: 1,
    hasPassphraseSlot: false,
    deviceKeyId: deviceKeyId(deviceKey),
  });
  await assertRefused(t, file, { kind: 'passphrase', passphrase: PASSPHRASE }, join(dir, 'x'), 'no_slot_for_secret');
  await readBackupFile(file, { kind: 'device', deviceKey }, join(dir, 'y'));
  await assertExtracted(t, join(dir, 'y'), contents);
});

test('a wrong passphrase is refused and extracts nothing', async (t) => {
  const { dir, file } = await fixture(t);
  const error = await assertRefused(
    t,
    file,
    { kind: 'passphrase', passphrase: `${PASSPHRASE}!` },
    join(dir, 'x'),
    'wrong_secret_or_damaged',
  );
  t.is(error.message, 'Wrong passphrase or damaged file.');
});

test("another box's device key is refused", async (t) => {
  const { dir, file } = await fixture(t);
  await assertRefused(t, file, { kind: 'device', deviceKey: randomBytes(32) }, join(dir, 'x'), 'no_slot_for_secret');
});

test('an existing empty extract dir is used and emptied again on failure; a non-empty one is refused', async (t) => {
  const { dir, file, contents, deviceKey } = await fixture(t);
  const target = join(dir, 'target');
  await mkdir(target, { mode: 0o700 });
  await t.throwsAsync(readBackupFile(file, { kind: 'passphrase', passphrase: 'nope' }, target));
  t.deepEqual(await readdir(target), []);
  await readBackupFile(file, { kind: 'device', deviceKey }, target);
  await assertExtracted(t, target, contents);
  await t.throwsAsync(readBackupFile(file, { kind: 'device', deviceKey }, target), { message: /not empty/ });
});

test('a flipped byte anywhere is refused, with either secret, and extracts nothing', async (t) => {
  const { dir, file, deviceKey } = await fixture(t);
  const original = await readFile(file);
  const headerLength = FIXED_HEADER_BYTES + PASSPHRASE_SLOT_BYTES + DEVICE_SLOT_BYTES;
  t.is(original.readUInt16BE(10), headerLength);
  const positions = new Set<number>();
  // Every byte of the header: each field, the passphrase slot, the device slot.
  for (let at = 0; at < headerLength; at += 1) {
    positions.add(at);
  }
  // The first, a middle and the last byte of every chunk; the last tag whole.
  for (let start = headerLength; start < original.length; start += CHUNK_ON_DISK) {
    const end = Math.min(start + CHUNK_ON_DISK, original.length) - 1;
    positions
      .add(start)
      .add(Math.floor((start + end) / 2))
      .add(end);
  }
  for (let at = original.length - TAG_BYTES; at < original.length; at += 1) {
    positions.add(at);
  }
  for (let index = 0; index < 40; index += 1) {
    positions.add(headerLength + Math.floor(Math.random() * (original.length - headerLength)));
  }
  const secrets: BackupSecret[] = [
    { kind: 'passphrase', passphrase: PASSPHRASE },
    { kind: 'device', deviceKey },
  ];
  const damaged = join(dir, 'damaged.burrowbackup');
  for (const at of positions) {
    for (const mask of [0x01, 0x80]) {
      const bytes = Buffer.from(original);
      bytes[at] = (bytes[at] ?? 0) ^ mask;
      await writeFile(damaged, bytes);
      for (const secret of secrets) {
        const label = `byte ${at} ^ ${mask} with the ${secret.kind}`;
        const error = await t.throwsAsync(
          readBackupFile(damaged, secret, join(dir, 'x')),
          { instanceOf: BackupFileError },
          label,
        );
        if (at >= headerLength) {
          t.is(error?.code, 'wrong_secret_or_damaged', label);
        }
      }
    }
  }
  t.false(await exists(join(dir, 'x')));
});

test('a file cut at any length is refused as truncated and extracts nothing', async (t) => {
  const { dir, file, deviceKey } = await fixture(t);
  const original = await readFile(file);
  const headerLength = original.readUInt16BE(10);
  const lengths = new Set<number>([1, 5, 8, 9, 10, 12, 20, 43, 44, 100, headerLength - 1, headerLength]);
  for (let boundary = headerLength; boundary < original.length; boundary += CHUNK_ON_DISK) {
    lengths
      .add(boundary)
      .add(boundary + 1)
      .add(boundary + CHUNK_ON_DISK - 1);
  }
  for (let cut = 1; cut <= TAG_BYTES + 1; cut += 1) {
    lengths.add(original.length - cut);
  }
  for (let index = 0; index < 20; index += 1) {
    lengths.add(1 + Math.floor(Math.random() * (original.length - 1)));
  }
  const cut = join(dir, 'cut.burrowbackup');
  for (const length of [...lengths].filter((length) => length < original.length)) {
    await writeFile(cut, original.subarray(0, length));
    for (const secret of [
      { kind: 'passphrase', passphrase: PASSPHRASE } as const,
      { kind: 'device', deviceKey } as const,
    ]) {
      await assertRefused(t, cut, secret, join(dir, 'x'), 'truncated', `cut to ${length} bytes, ${secret.kind}`);
    }
  }
  await writeFile(cut, Buffer.alloc(0));
  await assertRefused(t, cut, { kind: 'device', deviceKey }, join(dir, 'x'), 'not_a_backup', 'empty file');
  // A few bytes too many is damage, not truncation.
  await writeFile(cut, Buffer.concat([original, Buffer.from([0])]));
  await assertRefused(t, cut, { kind: 'device', deviceKey }, join(dir, 'x'), 'wrong_secret_or_damaged', 'one more');
});

test('a file that is not a backup is refused as such', async (t) => {
  const dir = await tempDir(t);
  const deviceKey = randomBytes(32);
  const samples: Record<string, Buffer> = {
    random: randomBytes(5000),
    text: Buffer.from('[Interface]\nPrivateKey = x\n'),
    sqlite: Buffer.concat([Buffer.from('SQLite format 3\0'), randomBytes(4096)]),
    nearly: Buffer.from('BURROWBX\x00\x01'),
  };
  for (const [name, bytes] of Object.entries(samples)) {
    const path = join(dir, `${name}.burrowbackup`);
    await writeFile(path, bytes);
    await assertRefused(t, path, { kind: 'device', deviceKey }, join(dir, 'x'), 'not_a_backup', name);
    const error = await t.throwsAsync(inspectBackupFile(path), { instanceOf: BackupFileError });
    t.is(error?.code, 'not_a_backup');
  }
});

test('a newer format is refused with a message naming both versions, before any secret is needed', async (t) => {
  const { dir, file, deviceKey } = await fixture(t);
  const bytes = await readFile(file);
  bytes.writeUInt16BE(2, 8);
  const newer = join(dir, 'newer.burrowbackup');
  await writeFile(newer, bytes);
  const error = await assertRefused(t, newer, { kind: 'device', deviceKey }, join(dir, 'x'), 'newer_format');
  t.regex(error.message, /format version 2\b.*up to 1\b/);
  // A future file may look like anything after its version.
  await writeFile(newer, Buffer.concat([Buffer.from('BURROWBK'), Buffer.from([0, 9])]));
  const inspected = await t.throwsAsync(inspectBackupFile(newer), { instanceOf: BackupFileError });
  t.is(inspected?.code, 'newer_format');
  t.regex(inspected?.message ?? '', /version 9\b.*up to 1\b/);
});

test('header fields asking for huge sizes are refused before anything is allocated', async (t) => {
  const { dir, file } = await fixture(t);
  const original = await readFile(file);
  const forged = join(dir, 'forged.burrowbackup');
  // KDF memory (4 TiB in KiB), chunk size, plaintext length.
  const cases: Array<[string, (bytes: Buffer) => void]> = [
    ['KDF memory', (bytes) => bytes.writeUInt32BE(0xffff_ffff, FIXED_HEADER_BYTES + 17)],
    ['KDF passes', (bytes) => bytes.writeUInt32BE(1_000_000, FIXED_HEADER_BYTES + 21)],
    ['chunk size', (bytes) => bytes.writeUInt32BE(0x7fff_ffff, 12)],
    ['plaintext length', (bytes) => bytes.writeBigUInt64BE(2n ** 40n, 16)],
  ];
  for (const [label, forge] of cases) {
    const bytes = Buffer.from(original);
    forge(bytes);
    await writeFile(forged, bytes);
    await assertRefused(t, forged, { kind: 'passphrase', passphrase: PASSPHRASE }, join(dir, 'x'), 'too_large', label);
    const inspected = await t.throwsAsync(inspectBackupFile(forged), { instanceOf: BackupFileError }, label);
    t.is(inspected.code, 'too_large', label);
  }
});

test('a part of several MB spans many chunks and round-trips', async (t) => {
  const big = randomBytes(5 * 1024 * 1024 + 123);
  const { dir, file, deviceKey } = await fixture(t, true, { 'burrow.db': big, small: Buffer.from('x') });
  const { size } = await stat(file);
  const payload = size - FIXED_HEADER_BYTES - PASSPHRASE_SLOT_BYTES - DEVICE_SLOT_BYTES;
  t.true(payload > 80 * CHUNK_ON_DISK);
  await readBackupFile(file, { kind: 'device', deviceKey }, join(dir, 'x'));
  t.true((await readFile(join(dir, 'x', 'burrow.db'))).equals(big));
});

test.serial('a 64 MB part goes through with far less than its size in memory', async (t) => {
  // Serial tests run before the others, so no other test's buffers count here.
  const dir = await tempDir(t);
  const source = join(dir, 'big');
  const sourceHash = createHash('sha256');
  const output = await open(source, 'w');
  for (let index = 0; index < 64; index += 1) {
    const piece = randomBytes(1024 * 1024);
    sourceHash.update(piece);
    await output.write(piece);
  }
  await output.close();
  const deviceKey = randomBytes(32);
  const baseline = process.memoryUsage().arrayBuffers;
  let peak = 0;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().arrayBuffers - baseline);
  }, 2);
  try {
    const file = join(dir, 'big.burrowbackup');
    await writeBackupFile(file, META, [{ name: 'big', path: source }], { passphrase: null, deviceKey });
    await readBackupFile(file, { kind: 'device', deviceKey }, join(dir, 'x'));
  } finally {
    clearInterval(sampler);
  }
  const copyHash = createHash('sha256');
  for await (const piece of createReadStream(join(dir, 'x', 'big'))) {
    copyHash.update(piece as Buffer);
  }
  t.is(copyHash.digest('hex'), sourceHash.digest('hex'));
  // Chunk buffers wait for the garbage collector, which lets external memory grow to some tens of MB first.
  t.log(`peak ${(peak / 1e6).toFixed(1)} MB of buffers`);
  t.true(peak < 48 * 1024 * 1024, `peak ${peak} bytes`);
});

test('a 20 MB part round-trips with the passphrase', async (t) => {
  const big = randomBytes(20 * 1024 * 1024);
  const { dir, file } = await fixture(t, true, { 'burrow.db': big });
  await readBackupFile(file, { kind: 'passphrase', passphrase: PASSPHRASE }, join(dir, 'x'));
  const copy = await readFile(join(dir, 'x', 'burrow.db'));
  t.is(createHash('sha256').update(copy).digest('hex'), createHash('sha256').update(big).digest('hex'));
});

test('the real KDF defaults: 64 MiB, 3 passes, 1 lane, and a backup opens with them', async (t) => {
  const recipient = await passphraseRecipient(PASSPHRASE);
  t.deepEqual(recipient.kdf, { memoryKiB: 65_536, iterations: 3, parallelism: 1 });
  t.deepEqual(DEFAULT_KDF, recipient.kdf);
  t.is(recipient.salt.length, 16);
  t.is(recipient.publicKey.length, 32);
  // The same passphrase and salt give the same key; another salt another.
  t.true((await passphraseRecipient(PASSPHRASE, recipient.salt)).publicKey.equals(recipient.publicKey));
  t.false((await passphraseRecipient(PASSPHRASE)).publicKey.equals(recipient.publicKey));
  const dir = await tempDir(t);
  const parts = await writeParts(dir, { 'burrow.db': Buffer.from('db') });
  const file = join(dir, 'real.burrowbackup');
  await writeBackupFile(file, META, parts, { passphrase: recipient, deviceKey: randomBytes(32) });
  await readBackupFile(file, { kind: 'passphrase', passphrase: PASSPHRASE }, join(dir, 'x'));
  t.is(await readFile(join(dir, 'x', 'burrow.db'), 'utf8'), 'db');
});

test('the writer refuses unsafe part names and bad metadata, and leaves nothing behind', async (t) => {
  const dir = await tempDir(t);
  const [part] = await writeParts(dir, { 'burrow.db': Buffer.from('db') });
  const out = join(dir, 'out');
  await mkdir(out);
  const recipients = { passphrase: null, deviceKey: randomBytes(32) };
  const path = part?.path ?? '';
  for (const name of ['../x', '/etc/passwd', 'a//b', 'a/./b', 'a\\b', '', 'a b', 'x\n']) {
    await t.throwsAsync(writeBackupFile(join(out, 'x.burrowbackup'), META, [{ name, path }], recipients), {
      instanceOf: RangeError,
    });
  }
  await t.throwsAsync(
    writeBackupFile(
      join(out, 'x.burrowbackup'),
      META,
      [
        { name: 'certs', path },
        { name: 'certs/a', path },
      ],
      recipients,
    ),
    { message: /under another part/ },
  );
  await t.throwsAsync(
    writeBackupFile(join(out, 'x.burrowbackup'), { ...META, kind: 'weekly' as 'daily' }, [], recipients),
  );
  await t.throwsAsync(
    writeBackupFile(join(out, 'x.burrowbackup'), META, [{ name: 'gone', path: join(dir, 'missing') }], recipients),
    { code: 'ENOENT' },
  );
  await t.throwsAsync(writeBackupFile(join(out, 'x.burrowbackup'), META, [{ name: 'dir', path: dir }], recipients));
  const damaged = await passphraseRecipient(PASSPHRASE, undefined, FAST_KDF);
  for (const passphrase of [
    { ...damaged, salt: damaged.salt.subarray(1) },
    { ...damaged, publicKey: Buffer.alloc(31) },
    { ...damaged, kdf: { ...FAST_KDF, memoryKiB: 2 ** 30 } },
  ]) {
    await t.throwsAsync(writeBackupFile(join(out, 'x.burrowbackup'), META, [], { ...recipients, passphrase }));
  }
  t.deepEqual(await readdir(out), []);
});

test('a part that changes while the backup is written fails it, keeping the old file and no temporary one', async (t) => {
  const dir = await tempDir(t);
  const [part] = await writeParts(dir, { 'burrow.db': randomBytes(20 * 1024 * 1024) });
  const destination = join(dir, 'x.burrowbackup');
  await writeFile(destination, 'the old backup');
  const path = part?.path ?? '';
  const writing = writeBackupFile(destination, META, [{ name: 'burrow.db', path }], {
    passphrase: null,
    deviceKey: randomBytes(32),
  });
  // The temporary file appears after the first pass hashed the part; shrink the part during the second.
  while (!(await readdir(dir)).some((name) => name.endsWith('.tmp'))) {
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await truncate(path, 10);
  await t.throwsAsync(writing, { message: /changed while the backup was being written/ });
  t.is(await readFile(destination, 'utf8'), 'the old backup');
  t.deepEqual((await readdir(dir)).sort(), ['data', 'x.burrowbackup']);
});
