import { createHash } from 'node:crypto';
import { readFile, stat, writeFile, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';
import { deviceKeyId, deviceKeyPath, loadOrCreateDeviceKey } from './device-key.js';
import { tempDir } from '../testing/backup-files.js';

test('the device key is made once: 32 random bytes, 0600, in a 0700 backups dir', async (t) => {
  const dataDir = await tempDir(t);
  const key = await loadOrCreateDeviceKey(dataDir);
  t.is(key.length, 32);
  t.is(deviceKeyPath(dataDir), join(dataDir, 'backups', 'device.key'));
  t.true((await readFile(deviceKeyPath(dataDir))).equals(key));
  t.is((await stat(deviceKeyPath(dataDir))).mode & 0o777, 0o600);
  t.is((await stat(join(dataDir, 'backups'))).mode & 0o777, 0o700);
  t.true((await loadOrCreateDeviceKey(dataDir)).equals(key));
  t.deepEqual(await readdir(join(dataDir, 'backups')), ['device.key']);
  t.false(key.equals(await loadOrCreateDeviceKey(await tempDir(t))));
});

test('starts racing to create the key all end up with the same one', async (t) => {
  const dataDir = await tempDir(t);
  const keys = await Promise.all(Array.from({ length: 8 }, () => loadOrCreateDeviceKey(dataDir)));
  for (const key of keys) {
    t.true(key.equals(keys[0] ?? Buffer.alloc(0)));
  }
  t.deepEqual(await readdir(join(dataDir, 'backups')), ['device.key']);
});

test('a damaged key file is an error and is never replaced', async (t) => {
  const dataDir = await tempDir(t);
  await mkdir(join(dataDir, 'backups'));
  await writeFile(deviceKeyPath(dataDir), Buffer.alloc(31));
  await t.throwsAsync(loadOrCreateDeviceKey(dataDir), { message: /damaged/ });
  t.is((await readFile(deviceKeyPath(dataDir))).length, 31);
});

test('a widened mode is narrowed back to 0600', async (t) => {
  const dataDir = await tempDir(t);
  const key = await loadOrCreateDeviceKey(dataDir);
  const { chmod } = await import('node:fs/promises');
  await chmod(deviceKeyPath(dataDir), 0o644);
  t.true((await loadOrCreateDeviceKey(dataDir)).equals(key));
  t.is((await stat(deviceKeyPath(dataDir))).mode & 0o777, 0o600);
});

test('the key id is the first 8 bytes of the SHA-256, in hex', (t) => {
  const key = Buffer.alloc(32, 7);
  t.is(deviceKeyId(key), createHash('sha256').update(key).digest('hex').slice(0, 16));
  t.regex(deviceKeyId(key), /^[0-9a-f]{16}$/);
});
