// `make run`: the appliance on a development machine. As root it builds the household lab, runs burrowd in the
// router namespace connected to the lab's VPN server, and the API (with the web page) on this machine's loopback;
// Ctrl-C takes everything down again. Without root it says so and runs the web page alone.
import { controlRequest } from '@burrow/firmware/control/control-client';
import { spawn, type ChildProcess } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { describeLab } from './lab/describe-lab.js';
import { Household } from './lab/household.js';
import { labDesiredState } from './lab/lab-desired-state.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const VAR = path.join(ROOT, 'var');
const PORT = process.env['BURROW_HTTP_PORT'] ?? '8080';
const HTTPS_PORT = process.env['BURROW_HTTPS_PORT'] ?? '8443';
const CONTROL_SOCKET = path.join(VAR, 'run', 'burrowd.sock');
const CA_FILE = path.join(VAR, 'certs', 'ca.pem');

function startApi(withFirmware: boolean): ChildProcess {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    BURROW_DATA_DIR: VAR,
    BURROW_HTTP_PORT: PORT,
    BURROW_HTTPS_PORT: HTTPS_PORT,
  };
  if (withFirmware) {
    env['BURROW_FIRMWARE_SOCKET'] = CONTROL_SOCKET;
  }
  return spawn(process.execPath, [path.join(ROOT, 'api/dist/main.js')], {
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}

async function waitForBurrowd(): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      if ((await controlRequest(CONTROL_SOCKET, 'ping', undefined, 1000)).ok) {
        return;
      }
    } catch {
      // not listening yet
    }
    await sleep(50);
  }
  throw new Error(`burrowd did not open ${CONTROL_SOCKET}; see var/lab/log/burrowd.log`);
}

/** Where the page is and how to check the router's CA, once the API has created it (on its first start). */
async function describeWebPage(): Promise<string> {
  for (let i = 0; i < 600 && !fs.existsSync(CA_FILE); i++) {
    await sleep(50);
  }
  const fingerprint = fs.existsSync(CA_FILE)
    ? new X509Certificate(fs.readFileSync(CA_FILE)).fingerprint256
    : '(not created yet; see the API log)';
  return (
    `Burrow's web page: https://127.0.0.1:${HTTPS_PORT}/  (http://127.0.0.1:${PORT}/ redirects there)\n` +
    `Router CA: ${CA_FILE} (also at http://127.0.0.1:${PORT}/api/certificates/ca.pem)\n` +
    `  SHA-256 fingerprint ${fingerprint}\n` +
    `  Trust it to open the page without a warning, e.g. curl --cacert ${path.relative(process.cwd(), CA_FILE)} https://127.0.0.1:${HTTPS_PORT}/api/health\n`
  );
}

async function runLab(): Promise<void> {
  fs.mkdirSync(path.join(VAR, 'run'), { recursive: true, mode: 0o700 });
  const household = await Household.start({ naming: 'fixed', recordFile: path.join(VAR, 'lab.json') });
  let api: ChildProcess | null = null;
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) {
      return;
    }
    stopping = true;
    process.stdout.write('\nStopping Burrow and removing the lab…\n');
    api?.kill('SIGTERM');
    await household.stop();
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  try {
    const { record } = household;
    household.startProcess(
      record.namespaces.router,
      'burrowd',
      [
        process.execPath,
        path.join(ROOT, 'firmware/bin/burrowd'),
        '--data-dir',
        path.join(VAR, 'burrowd'),
        '--socket',
        CONTROL_SOCKET,
      ],
      { ...process.env, LOG_LEVEL: process.env['LOG_LEVEL'] ?? 'info' },
    );
    await waitForBurrowd();
    const applied = await controlRequest(CONTROL_SOCKET, 'apply', labDesiredState(household));
    if (!applied.ok) {
      throw new Error(`burrowd refused the lab's desired state: ${applied.error}`);
    }
    api = startApi(true);
    process.stdout.write(
      `\n${describeLab(record)}\n\n${await describeWebPage()}(Ctrl-C stops Burrow and removes the lab)\n`,
    );
  } catch (error) {
    process.stderr.write(`make run: ${(error as Error).message}\n`);
    await stop(1);
  }
}

if (process.getuid?.() === 0) {
  await runLab();
} else {
  process.stdout.write('The household lab needs root (network namespaces); running the web page alone.\n');
  const api = startApi(false);
  process.on('SIGINT', () => api.kill('SIGTERM'));
  process.stdout.write(`${await describeWebPage()}(data in ./var, Ctrl-C stops)\n`);
}
