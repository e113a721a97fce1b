// Crash safety of a factory reset: a child process stages the wipe and applies it as the API's next start does, and
// is SIGKILLed at every step and at random instants; a second run then does what the next start does. Whatever the
// instant, the data dir must then hold exactly the old configuration, or none of the API's items at all (only
// burrowd's files and the reset's marker), and nothing of the reset's own.
import test, { type ExecutionContext } from 'ava';
import { cp, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runChild } from '../testing/restore-crash-run.js';
import { digestDataDir, writeOldConfiguration } from '../testing/restore-fixture.js';
import { FACTORY_RESET_MARKER, stageRestore, stagedChange, stageWipe } from './restore-journal.js';

const RANDOM_KILLS = 10;
const MARKER = `${JSON.stringify({ format: 1, id: 'f00d', stagedAt: '2026-12-02T12:00:00.000Z' })}\n`;

let root: string;
let oldDigest: string;
let wipedDigest: string;
let allSteps: string[];

test.before(async () => {
  root = await mkdtemp(join(tmpdir(), 'burrow-wipe-crash-'));
  await writeOldConfiguration(join(root, 'old'));
  oldDigest = await digestDataDir(join(root, 'old'));
  const dataDir = await freshCase('reference');
  const reference = await runChild({ dataDir, wipeMarker: MARKER });
  if (reference.code !== 0) {
    throw new Error(`the uninterrupted reset failed: ${reference.stderr}`);
  }
  allSteps = reference.steps;
  wipedDigest = await digestDataDir(dataDir);
});

test.after.always(async () => {
  await rm(root, { recursive: true, force: true });
});

async function freshCase(name: string): Promise<string> {
  const dataDir = join(root, name, 'data');
  await cp(join(root, 'old'), dataDir, { recursive: true });
  return dataDir;
}

/** The next start: applies whatever the crash left, then the data dir is digested. */
async function restart(t: ExecutionContext, dataDir: string): Promise<string> {
  const start = await runChild({ dataDir });
  t.is(start.code, 0, start.stderr);
  t.false((await readdir(dataDir)).includes('restore'), 'nothing of staged/, old/ or the journal is left');
  return digestDataDir(dataDir);
}

test.serial(
  'the reference run moves every item of the API aside and leaves burrowd’s files and the marker',
  async (t) => {
    t.deepEqual(allSteps, [
      'staged',
      'staged-synced',
      'journal-written',
      'old-made',
      'aside burrow.db-wal',
      'aside burrow.db-shm',
      'aside burrow.db',
      'aside certs',
      'aside backups',
      `in ${FACTORY_RESET_MARKER}`,
      'journal-removed',
      'cleaned',
    ]);
    const dataDir = join(root, 'reference', 'data');
    t.deepEqual((await readdir(dataDir)).sort(), ['burrowd', 'dnsmasq.leases', FACTORY_RESET_MARKER]);
    t.is(await readFile(join(dataDir, FACTORY_RESET_MARKER), 'utf8'), MARKER);
    t.regex(oldDigest, /"carol"/);
    t.notRegex(wipedDigest, /database|certs|backups/);
    t.is(await stagedChange(dataDir), null);
  },
);

test.serial('a kill after any step leaves the old configuration before the journal, none after', async (t) => {
  const committed = allSteps.indexOf('journal-written') + 1;
  for (let step = 1; step < allSteps.length; step++) {
    const dataDir = await freshCase(`step-${step}`);
    const crashed = await runChild({ dataDir, wipeMarker: MARKER, killAtStep: step });
    t.is(crashed.signal, 'SIGKILL', `step ${step}`);
    t.is(crashed.steps.length, step);
    if (step >= committed && step < allSteps.indexOf('journal-removed') + 1) {
      t.is(await stagedChange(dataDir), 'factory-reset', `killed after ${allSteps[step - 1]}`);
    }
    const expected = step < committed ? oldDigest : wipedDigest;
    t.is(await restart(t, dataDir), expected, `killed after ${allSteps[step - 1]}`);
  }
});

test.serial('a kill during the start that finishes a crashed reset still ends wiped', async (t) => {
  for (const firstKill of [allSteps.indexOf('journal-written') + 1, allSteps.indexOf('aside burrow.db') + 1]) {
    for (let secondKill = 1; ; secondKill++) {
      const dataDir = await freshCase(`twice-${firstKill}-${secondKill}`);
      t.is((await runChild({ dataDir, wipeMarker: MARKER, killAtStep: firstKill })).signal, 'SIGKILL');
      const second = await runChild({ dataDir, killAtStep: secondKill });
      t.is(await restart(t, dataDir), wipedDigest, `killed after step ${firstKill}, then after step ${secondKill}`);
      if (second.signal === null) {
        break;
      }
    }
  }
});

test.serial('kills at random instants leave exactly the old configuration or none', async (t) => {
  const { elapsedMs: spanMs } = await runChild({
    dataDir: await freshCase('timed'),
    wipeMarker: MARKER,
    slowSteps: true,
  });
  const seen = new Set<string>();
  let interrupted = 0;
  for (let run = 0; run < RANDOM_KILLS; run++) {
    const dataDir = await freshCase(`random-${run}`);
    const killAfterMs = Math.random() * spanMs;
    const crashed = await runChild({ dataDir, wipeMarker: MARKER, slowSteps: true }, killAfterMs);
    if (crashed.signal === 'SIGKILL') {
      interrupted += 1;
    }
    const digest = await restart(t, dataDir);
    const which = digest === oldDigest ? 'old' : digest === wipedDigest ? 'wiped' : 'mixed';
    t.not(which, 'mixed', `killed ${killAfterMs.toFixed(1)} ms in, after ${crashed.steps.join(', ')}`);
    seen.add(which);
  }
  t.log(`${interrupted} of ${RANDOM_KILLS} runs killed within ${spanMs} ms; they left: ${[...seen].join(' and ')}`);
  t.true(interrupted >= 3);
});

test.serial(
  'a reset is refused while a restore or another reset waits, and a restore while a reset waits',
  async (t) => {
    const dataDir = await freshCase('refused');
    // Staged and committed, not applied: killed right after the journal was written.
    const committed = allSteps.indexOf('journal-written') + 1;
    t.is((await runChild({ dataDir, wipeMarker: MARKER, killAtStep: committed })).signal, 'SIGKILL');
    await t.throwsAsync(stageWipe(dataDir, MARKER), { name: 'RestoreStateError' });
    const extracted = join(root, 'refused', 'extracted');
    await cp(join(root, 'old', 'certs'), join(extracted, 'certs'), { recursive: true });
    await cp(join(root, 'old', 'burrow.db'), join(extracted, 'burrow.db'));
    await t.throwsAsync(stageRestore(dataDir, extracted), { name: 'RestoreStateError' });
    t.is(await stagedChange(dataDir), 'factory-reset');
    t.is(await restart(t, dataDir), wipedDigest);
  },
);
