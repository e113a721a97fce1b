// A stand-in for the API's start in restore crash tests: `node restore-crash-child.js '<json>'` stages a restore
// (when `extractedDir` is given) or a factory reset (when `wipeMarker` is) and applies it, printing each durable step as it goes, and SIGKILLs itself right
// after step `killAtStep` (counted from 1 across both), as a power cut there would stop it. With `slowSteps`, each
// step waits a moment, so that a kill sent from outside at a random time lands anywhere in the whole run.
import { applyStagedRestore, stageRestore, stageWipe } from '../backups/restore-journal.js';

interface ChildOptions {
  dataDir: string;
  extractedDir?: string;
  wipeMarker?: string;
  killAtStep?: number;
  slowSteps?: boolean;
}

const options = JSON.parse(process.argv[2] ?? '{}') as ChildOptions;
let steps = 0;
const afterStep = async (step: string) => {
  steps += 1;
  process.stdout.write(`step ${step}\n`);
  if (steps === options.killAtStep) {
    process.kill(process.pid, 'SIGKILL');
  }
  if (options.slowSteps === true) {
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 4));
  }
};

process.stdout.write('go\n');
if (options.extractedDir !== undefined) {
  await stageRestore(options.dataDir, options.extractedDir, { afterStep });
}
if (options.wipeMarker !== undefined) {
  await stageWipe(options.dataDir, options.wipeMarker, { afterStep });
}
const outcome = await applyStagedRestore(options.dataDir, { afterStep });
process.stdout.write(`outcome ${outcome}\n`);
