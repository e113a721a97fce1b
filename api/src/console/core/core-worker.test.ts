// The console's side of its core worker: a worker slower to start than a call waits is left to start (never killed
// and started again, which on a slow board would never get anywhere), and the next call gets its answer.
import test from 'ava';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConsoleActionError } from '../backend.js';
import { CoreWorker } from './core-worker.js';

const SLOW_WORKER = fileURLToPath(new URL('./testing/slow-worker.js', import.meta.url));

test('a call that waits longer than it may for a starting worker is refused, and the same worker answers later', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'burrow-core-worker-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const starts = path.join(dir, 'starts');
  const worker = new CoreWorker(
    { ...process.env, SLOW_WORKER_READY_MS: '1500', SLOW_WORKER_STARTS: starts },
    undefined,
    { script: SLOW_WORKER, readyWaitMs: 300 },
  );
  t.teardown(() => worker.stop());

  const early = await t.throwsAsync(worker.call('header', []), { instanceOf: ConsoleActionError });
  t.is(early?.code, 'starting');
  t.regex(early?.message ?? '', /still starting/);
  await t.throwsAsync(worker.call('header', []), { message: /still starting/ });

  await new Promise((resolve) => setTimeout(resolve, 1_500));
  const answeredBy = await worker.call('header', []);
  const pids = (await readFile(starts, 'utf8')).trim().split('\n').map(Number);
  t.deepEqual(pids, [answeredBy], 'one worker, started once, answered');
});
