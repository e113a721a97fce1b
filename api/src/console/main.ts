// `burrow-console`: the recovery console, on tty1 and the serial console of the device, or anywhere for development.
// Configured by the API's own BURROW_* variables (the data dir, burrowd's socket, the ports); see README.md.
// This process keeps the terminal and root's powers (mounting a USB stick, a shell, reboot); the database work runs
// in a worker as the API's user (core/worker.ts).
import { parseEnv, EnvError } from '../env.js';
import { CoreWorker, coreUser, workerBackend } from './core/core-worker.js';
import { LinuxHostActions } from './host/linux-host-actions.js';
import { runConsole } from './screen/console.js';

function readEnv() {
  try {
    return parseEnv(process.env);
  } catch (error) {
    if (error instanceof EnvError) {
      process.stderr.write(`burrow-console: ${error.message}\n`);
      return undefined;
    }
    throw error;
  }
}

const env = readEnv();
if (env === undefined) {
  process.exitCode = 1;
} else {
  const worker = new CoreWorker(process.env, await coreUser(env.dataDir));
  try {
    await runConsole({
      backend: workerBackend(worker),
      host: new LinuxHostActions(),
      input: process.stdin,
      output: process.stdout,
    });
  } finally {
    worker.stop();
  }
}
