// A stand-in for the console's core worker (worker.ts) in core-worker.test.ts: it takes SLOW_WORKER_READY_MS to
// "open the configuration", appends its pid to SLOW_WORKER_STARTS at start, and answers every call with its pid.
import { appendFileSync } from 'node:fs';
import { type CoreAnswer, type CoreReady, isCoreCall } from '../rpc.js';

appendFileSync(process.env.SLOW_WORKER_STARTS ?? '/dev/null', `${process.pid}\n`);
let ready = false;
process.on('message', (message: unknown) => {
  if (isCoreCall(message) && ready) {
    process.send?.({ id: message.id, ok: true, value: process.pid } satisfies CoreAnswer);
  }
});
process.on('disconnect', () => process.exit(0));
setTimeout(
  () => {
    ready = true;
    process.send?.({ ready: true } satisfies CoreReady);
  },
  Number(process.env.SLOW_WORKER_READY_MS ?? '0'),
);
