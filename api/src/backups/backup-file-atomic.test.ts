import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';
import { writeAtomically } from './backup-file-atomic.js';
import { tempDir } from '../testing/backup-files.js';

test('a completed write replaces the file whole, mode 0600, with no temporary file left', async (t) => {
  const dir = await tempDir(t);
  const file = join(dir, 'a.burrowbackup');
  await writeFile(file, 'old');
  const result = await writeAtomically(file, async (handle) => {
    // Until the rename, the old file is what a reader sees.
    await handle.write('new ');
    t.is(await readFile(file, 'utf8'), 'old');
    await handle.write('content');
    return 42;
  });
  t.is(result, 42);
  t.is(await readFile(file, 'utf8'), 'new content');
  t.is((await stat(file)).mode & 0o777, 0o600);
  t.deepEqual(await readdir(dir), ['a.burrowbackup']);
});

test('a failed write keeps the old file and removes the temporary one', async (t) => {
  const dir = await tempDir(t);
  const file = join(dir, 'a.burrowbackup');
  await writeFile(file, 'old');
  await t.throwsAsync(
    writeAtomically(file, async (handle) => {
      await handle.write('half of it');
      t.is((await readdir(dir)).length, 2);
      throw new Error('disk full');
    }),
    { message: 'disk full' },
  );
  t.is(await readFile(file, 'utf8'), 'old');
  t.deepEqual(await readdir(dir), ['a.burrowbackup']);
});

test('a failed first write leaves no file at all', async (t) => {
  const dir = await tempDir(t);
  await t.throwsAsync(
    writeAtomically(join(dir, 'new.burrowbackup'), () => Promise.reject(new Error('no'))),
    { message: 'no' },
  );
  t.deepEqual(await readdir(dir), []);
});
