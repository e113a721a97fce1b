// The walk over a stick: backups found two folders deep, newest first; links and deeper folders ignored.
import test from 'ava';
import { mkdir, mkdtemp, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { findBackupFiles } from './backup-files.js';

test('finds backups up to two folders deep, newest first, without following links', async (t) => {
  const base = await mkdtemp(path.join(tmpdir(), 'burrow-backup-files-'));
  t.teardown(() => rm(base, { recursive: true, force: true }));
  const stick = path.join(base, 'stick');
  const outside = path.join(base, 'outside');
  await mkdir(path.join(stick, 'a', 'b', 'c'), { recursive: true });
  await mkdir(outside);
  await writeFile(path.join(outside, 'secret.burrowbackup'), 'x');
  await writeFile(path.join(stick, 'old.burrowbackup'), 'old');
  await writeFile(path.join(stick, 'a', 'b', 'new.BURROWBACKUP'), 'newer');
  await writeFile(path.join(stick, 'a', 'b', 'c', 'too-deep.burrowbackup'), 'x');
  await writeFile(path.join(stick, 'notes.txt'), 'x');
  await symlink(outside, path.join(stick, 'linked-dir'));
  await symlink(path.join(outside, 'secret.burrowbackup'), path.join(stick, 'linked.burrowbackup'));
  await utimes(path.join(stick, 'old.burrowbackup'), new Date(2020, 0, 1), new Date(2020, 0, 1));

  t.deepEqual(await findBackupFiles(stick), [
    { name: path.join('a', 'b', 'new.BURROWBACKUP'), sizeBytes: 5 },
    { name: 'old.burrowbackup', sizeBytes: 3 },
  ]);
});
