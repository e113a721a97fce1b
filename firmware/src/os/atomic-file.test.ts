import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeFileAtomic } from './atomic-file.js';

function scratch(t: { teardown: (fn: () => void) => void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'burrow-atomic-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('writes the file with the given mode and leaves no temporary file', async (t) => {
  const dir = scratch(t);
  const file = path.join(dir, 'state.json');
  await writeFileAtomic(file, '{"a":1}');
  await writeFileAtomic(file, '{"a":2}');
  t.is(fs.readFileSync(file, 'utf8'), '{"a":2}');
  t.is(fs.statSync(file).mode & 0o777, 0o600);
  t.deepEqual(fs.readdirSync(dir), ['state.json']);
});

test('a failed write leaves the old file exactly as it was', async (t) => {
  const dir = scratch(t);
  const file = path.join(dir, 'state.json');
  await writeFileAtomic(file, 'old');
  // Renaming a file over a non-empty directory fails after the temporary file was written.
  const blocked = path.join(dir, 'blocked');
  fs.mkdirSync(path.join(blocked, 'inside'), { recursive: true });
  await t.throwsAsync(writeFileAtomic(blocked, 'new'));
  t.is(fs.readFileSync(file, 'utf8'), 'old');
  t.deepEqual(fs.readdirSync(dir).sort(), ['blocked', 'state.json'], 'the temporary file was removed');
});

test('a temporary file the validator refuses never replaces the old one', async (t) => {
  const dir = scratch(t);
  const file = path.join(dir, 'dnsmasq.conf');
  await writeFileAtomic(file, 'good');
  const validate = (temporary: string) =>
    fs.readFileSync(temporary, 'utf8') === 'bad' ? Promise.reject(new Error('refused')) : Promise.resolve();
  await t.throwsAsync(writeFileAtomic(file, 'bad', { validate }), { message: 'refused' });
  t.is(fs.readFileSync(file, 'utf8'), 'good');
  t.deepEqual(fs.readdirSync(dir), ['dnsmasq.conf']);
});
