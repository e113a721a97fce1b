// Crash safety of a restore: a child process stages and applies a restore as the API does, and is SIGKILLed at
// every step and at random instants; a second run then does what the next start does. Whatever the instant, the
// data dir must then hold exactly the old configuration or exactly the new one, and nothing of the restore's own.
import test, { type ExecutionContext } from 'ava';
import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runChild } from '../testing/restore-crash-run.js';
import { digestDataDir, writeNewConfiguration, writeOldConfiguration } from '../testing/restore-fixture.js';

const RANDOM_KILLS = 12;

let root: string;
let oldDigest: string;
let newDigest: string;
let allSteps: string[];

test.before(async () => {
  root = await mkdtemp(join(tmpdir(), 'burrow-restore-crash-'));
  await writeOldConfiguration(join(root, 'old'));
  await writeNewConfiguration(join(root, 'new'));
  oldDigest = await digestDataDir(join(root, 'old'));
  // The whole restore, uninterrupted, gives the new configuration and names every step.
  const { dataDir, extractedDir } = await freshCase('reference');
  const reference = await runChild({ dataDir, extractedDir });
  if (reference.code !== 0) {
    throw new Error(`the uninterrupted restore failed: ${reference.stderr}`);
  }
  allSteps = reference.steps;
  newDigest = await digestDataDir(dataDir);
});

test.after.always(async () => {
  await rm(root, { recursive: true, force: true });
});

async function freshCase(name: string): Promise<{ dataDir: string; extractedDir: string }> {
  const dataDir = join(root, name, 'data');
  const extractedDir = join(root, name, 'extracted');
  await cp(join(root, 'old'), dataDir, { recursive: true });
  await cp(join(root, 'new'), extractedDir, { recursive: true });
  return { dataDir, extractedDir };
}

/** The next start: applies whatever the crash left, then the data dir is digested. */
async function restart(t: ExecutionContext, dataDir: string): Promise<string> {
  const start = await runChild({ dataDir });
  t.is(start.code, 0, start.stderr);
  t.false((await readdir(dataDir)).includes('restore'), 'nothing of staged/, old/ or the journal is left');
  return digestDataDir(dataDir);
}

test.serial('the reference run walks every step of staging and applying, and ends with the new configuration', (t) => {
  t.deepEqual(allSteps, [
    'staged',
    'staged-synced',
    'journal-written',
    'old-made',
    'aside burrow.db-wal',
    'aside burrow.db-shm',
    'aside burrow.db',
    'in burrow.db',
    'aside certs',
    'in certs',
    'journal-removed',
    'cleaned',
  ]);
  t.not(newDigest, oldDigest);
  t.regex(newDigest, /"dave"/);
  t.regex(oldDigest, /"carol"/);
});

test.serial('a kill after any step leaves the old configuration before the journal, the new one after', async (t) => {
  const committed = allSteps.indexOf('journal-written') + 1;
  for (let step = 1; step < allSteps.length; step++) {
    const { dataDir, extractedDir } = await freshCase(`step-${step}`);
    const crashed = await runChild({ dataDir, extractedDir, killAtStep: step });
    t.is(crashed.signal, 'SIGKILL', `step ${step}`);
    t.is(crashed.steps.length, step);
    const expected = step < committed ? oldDigest : newDigest;
    t.is(await restart(t, dataDir), expected, `killed after ${allSteps[step - 1]}`);
  }
});

test.serial(
  'a kill during the start that finishes a crashed restore still ends with the new configuration',
  async (t) => {
    // Crashed after the journal and after the database went in; the next start is killed at each of its steps.
    for (const firstKill of [allSteps.indexOf('journal-written') + 1, allSteps.indexOf('in burrow.db') + 1]) {
      for (let secondKill = 1; ; secondKill++) {
        const { dataDir, extractedDir } = await freshCase(`twice-${firstKill}-${secondKill}`);
        t.is((await runChild({ dataDir, extractedDir, killAtStep: firstKill })).signal, 'SIGKILL');
        const second = await runChild({ dataDir, killAtStep: secondKill });
        t.is(await restart(t, dataDir), newDigest, `killed after step ${firstKill}, then after step ${secondKill}`);
        if (second.signal === null) {
          break;
        }
      }
    }
  },
);

test.serial('kills at random instants leave exactly the old or exactly the new configuration', async (t) => {
  // How long a slowed run takes from its first line to its end, to spread the kills over all of it.
  const { dataDir: timedDir, extractedDir: timedExtracted } = await freshCase('timed');
  const { elapsedMs: spanMs } = await runChild({ dataDir: timedDir, extractedDir: timedExtracted, slowSteps: true });
  const seen = new Set<string>();
  let interrupted = 0;
  for (let run = 0; run < RANDOM_KILLS; run++) {
    const { dataDir, extractedDir } = await freshCase(`random-${run}`);
    const killAfterMs = Math.random() * spanMs;
    const crashed = await runChild({ dataDir, extractedDir, slowSteps: true }, killAfterMs);
    if (crashed.signal === 'SIGKILL') {
      interrupted += 1;
    }
    const digest = await restart(t, dataDir);
    const which = digest === oldDigest ? 'old' : digest === newDigest ? 'new' : 'mixed';
    t.not(which, 'mixed', `killed ${killAfterMs.toFixed(1)} ms in, after ${crashed.steps.join(', ')}`);
    seen.add(which);
  }
  t.log(`${interrupted} of ${RANDOM_KILLS} runs killed within ${spanMs} ms; they left: ${[...seen].join(' and ')}`);
  // Most kills land inside the run; a machine so slow that none did would have tested nothing.
  t.true(interrupted >= 3);
});
