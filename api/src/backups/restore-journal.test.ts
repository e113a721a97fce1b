import test from 'ava';
import { chmod, cp, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DATABASE_FILE } from '../database/data-source.js';
import { digestDataDir, writeNewConfiguration, writeOldConfiguration } from '../testing/restore-fixture.js';
import {
  applyStagedRestore,
  RESTORED_ITEMS,
  RestoreContentError,
  RestoreStateError,
  stageRestore,
} from './restore-journal.js';

interface Scene {
  dataDir: string;
  extractedDir: string;
  oldDigest: string;
  newDigest: string;
}

/** An old configuration in `data/`, a new one extracted in `extracted/`, and what the data dir looks like with each. */
async function scene(t: { teardown: (fn: () => Promise<void>) => void }): Promise<Scene> {
  const dir = await mkdtemp(join(tmpdir(), 'burrow-restore-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const dataDir = join(dir, 'data');
  const extractedDir = join(dir, 'extracted');
  await writeOldConfiguration(dataDir);
  await writeNewConfiguration(extractedDir);
  // The new configuration by hand: burrowd's files kept, the API's replaced, no -wal of the old database left.
  const expected = join(dir, 'expected');
  await cp(dataDir, expected, { recursive: true });
  for (const item of ['burrow.db', 'burrow.db-wal', 'burrow.db-shm', 'certs']) {
    await rm(join(expected, item), { recursive: true });
  }
  await cp(extractedDir, expected, { recursive: true });
  return { dataDir, extractedDir, oldDigest: await digestDataDir(dataDir), newDigest: await digestDataDir(expected) };
}

test('the restored items are the database and the certificates, by the names the API opens them by', (t) => {
  t.deepEqual(RESTORED_ITEMS, [DATABASE_FILE, 'certs']);
});

test('staging leaves the live data alone; the next start swaps in the new configuration whole', async (t) => {
  const { dataDir, extractedDir, oldDigest, newDigest } = await scene(t);
  await stageRestore(dataDir, extractedDir);
  t.not(oldDigest, newDigest);
  const staged = (await digestDataDir(dataDir)).split('\n');
  t.true(staged.includes('dir restore/staged/certs'));
  t.is(staged.filter((line) => !/^\w+ restore(\/|$)/.test(line)).join('\n'), oldDigest);
  t.is(await applyStagedRestore(dataDir), 'applied');
  t.is(await digestDataDir(dataDir), newDigest);
  t.false((await readdir(dataDir)).includes('restore'));
  // A second start has nothing to do.
  t.is(await applyStagedRestore(dataDir), 'none');
  t.is(await digestDataDir(dataDir), newDigest);
});

test('restored files are private whatever modes the extraction left, but for the public CA certificate', async (t) => {
  const { dataDir, extractedDir } = await scene(t);
  await chmod(join(extractedDir, 'certs'), 0o777);
  await chmod(join(extractedDir, 'certs', 'authority.pem'), 0o666);
  await chmod(join(extractedDir, 'certs', 'server.pem'), 0o640);
  await chmod(join(extractedDir, 'burrow.db'), 0o755);
  await writeFile(join(extractedDir, 'certs', 'ca.pem'), 'the CA certificate\n', { mode: 0o600 });
  await stageRestore(dataDir, extractedDir);
  await applyStagedRestore(dataDir);
  const mode = async (path: string) => (await stat(join(dataDir, path))).mode & 0o777;
  t.is(await mode('certs'), 0o700);
  t.is(await mode('certs/authority.pem'), 0o600);
  t.is(await mode('certs/ca.pem'), 0o644);
  t.is(await mode('certs/server.pem'), 0o600);
  t.is(await mode('burrow.db'), 0o600);
});

test('without a restore dir, or without a data dir at all, a start changes nothing', async (t) => {
  const { dataDir, oldDigest } = await scene(t);
  t.is(await applyStagedRestore(dataDir), 'none');
  t.is(await digestDataDir(dataDir), oldDigest);
  t.is(await applyStagedRestore(join(dataDir, 'not-there')), 'none');
});

test('staged content without a journal is discarded, and the old configuration stays', async (t) => {
  const { dataDir, extractedDir, oldDigest } = await scene(t);
  await stageRestore(dataDir, extractedDir);
  await rm(join(dataDir, 'restore', 'journal.json'));
  t.is(await applyStagedRestore(dataDir), 'discarded');
  t.is(await digestDataDir(dataDir), oldDigest);
});

test('a torn journal is no journal: the staged content is discarded and the old configuration stays', async (t) => {
  const { dataDir, extractedDir, oldDigest } = await scene(t);
  await stageRestore(dataDir, extractedDir);
  await truncate(join(dataDir, 'restore', 'journal.json'), 40);
  t.is(await applyStagedRestore(dataDir), 'discarded');
  t.is(await digestDataDir(dataDir), oldDigest);
});

test('a journal with a changed byte is no journal either', async (t) => {
  const { dataDir, extractedDir, oldDigest } = await scene(t);
  await stageRestore(dataDir, extractedDir);
  const journal = join(dataDir, 'restore', 'journal.json');
  const text = await readFile(journal, 'utf8');
  const changed = text.replace('"staged\\":true', '"staged\\":false');
  t.not(changed, text);
  await writeFile(journal, changed);
  t.is(await applyStagedRestore(dataDir), 'discarded');
  t.is(await digestDataDir(dataDir), oldDigest);
});

test('a damaged journal once items were moved aside stops the start and changes nothing', async (t) => {
  const { dataDir, extractedDir } = await scene(t);
  await stageRestore(dataDir, extractedDir);
  // As if the apply had moved the certificates aside and the disk then lost the journal's bytes.
  await mkdir(join(dataDir, 'restore', 'old'));
  await cp(join(dataDir, 'certs'), join(dataDir, 'restore', 'old', 'certs'), { recursive: true });
  await rm(join(dataDir, 'certs'), { recursive: true });
  await writeFile(join(dataDir, 'restore', 'journal.json'), '{"body":');
  const before = await digestDataDir(dataDir);
  await t.throwsAsync(applyStagedRestore(dataDir), { instanceOf: RestoreStateError, message: /damaged/ });
  t.is(await digestDataDir(dataDir), before);
});

test('a second restore cannot be staged over one that waits for the next start', async (t) => {
  const { dataDir, extractedDir } = await scene(t);
  const again = join(extractedDir, '..', 'again');
  await cp(extractedDir, again, { recursive: true });
  await stageRestore(dataDir, extractedDir);
  await t.throwsAsync(stageRestore(dataDir, again), { instanceOf: RestoreStateError });
});

const REFUSED: Array<[string, (extractedDir: string) => Promise<void>, RegExp]> = [
  [
    'an item that is not the API’s',
    (dir) => writeFile(join(dir, 'dnsmasq.leases'), ''),
    /unexpected items: "dnsmasq.leases"/,
  ],
  ['a write-ahead log', (dir) => writeFile(join(dir, 'burrow.db-wal'), ''), /unexpected items: "burrow.db-wal"/],
  ['a path up and out', (dir) => writeFile(join(dir, '..data'), ''), /unexpected items/],
  ['no certificates', (dir) => rm(join(dir, 'certs'), { recursive: true }), /lacks "certs"/],
  ['no database', (dir) => rm(join(dir, 'burrow.db')), /lacks "burrow.db"/],
  [
    'a link out of the dir',
    async (dir) => {
      await rm(join(dir, 'certs', 'authority.pem'));
      await symlink('/etc/passwd', join(dir, 'certs', 'authority.pem'));
    },
    /a link, which could point outside: "certs\/authority.pem"/,
  ],
  [
    'certs linked elsewhere',
    async (dir) => {
      await rm(join(dir, 'certs'), { recursive: true });
      await symlink('/etc', join(dir, 'certs'));
    },
    /a link/,
  ],
  [
    'the database as a directory',
    async (dir) => {
      await rm(join(dir, 'burrow.db'));
      await mkdir(join(dir, 'burrow.db'));
    },
    /"burrow.db" as a directory, where a file belongs/,
  ],
];

for (const [what, spoil, message] of REFUSED) {
  test(`staging refuses content with ${what}, changing nothing`, async (t) => {
    const { dataDir, extractedDir, oldDigest } = await scene(t);
    await spoil(extractedDir);
    await t.throwsAsync(stageRestore(dataDir, extractedDir), { instanceOf: RestoreContentError, message });
    t.is(await digestDataDir(dataDir), oldDigest);
    t.is(await applyStagedRestore(dataDir), 'none');
  });
}
