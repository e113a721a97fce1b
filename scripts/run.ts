// `make run`: the appliance on a development machine, as a new box boots. As root it builds the household lab,
// runs burrowd in the router namespace with the lab's board file (its WAN and LAN), and the API (with the web page)
// on this machine's loopback, which LAN devices reach as https://burrow.lan/ through a relay; Ctrl-C takes
// everything down again. Without root it says so and runs the web page alone.
//
// No tunnel is configured at start and the kill switch is closed: LAN devices reach the router and nothing beyond
// it. The API sends burrowd the database's desired state as it starts (and after every change), so the web page is
// where the tunnel comes from: import var/lab/provider-a.conf (or provider-b.conf, or both for failover) there.
import { controlRequest } from '@burrow/firmware/control/control-client';
import { spawn, type ChildProcess } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { describeLab } from './lab/describe-lab.js';
import { Household } from './lab/household.js';
import { labBoard } from './lab/lab-desired-state.js';
import { RouterWebRelay } from './lab/web-relay.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const VAR = path.join(ROOT, 'var');
const PORT = process.env['BURROW_HTTP_PORT'] ?? '8080';
const HTTPS_PORT = process.env['BURROW_HTTPS_PORT'] ?? '8443';
const CONTROL_SOCKET = path.join(VAR, 'run', 'burrowd.sock');
const CA_FILE = path.join(VAR, 'certs', 'ca.pem');
/** The router's client configurations for the lab's two VPN servers, as providers hand them out. */
const PROVIDER_DIR = path.join(VAR, 'lab');
/** burrowd's board file: the lab router's WAN and LAN, which the API's desired states do not carry. */
const BOARD_FILE = path.join(VAR, 'lab', 'board.json');
/** How long the API may take to hand burrowd its first desired state. */
const FIRST_STATE_TIMEOUT_MS = 60_000;
/**
 * Gone: `lab` handed burrowd the lab's tunnel directly, which the API overwrites with the database's state as it
 * starts. Filtered out of the API's environment (it refuses BURROW_* variables it does not know), with a notice.
 */
const RETIRED_VARIABLES = ['BURROW_LAB_TUNNEL'];

function startApi(withFirmware: boolean): ChildProcess {
  const env: NodeJS.ProcessEnv = {
    ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !RETIRED_VARIABLES.includes(name))),
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

async function waitForBurrowd(logFile: string): Promise<void> {
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
  throw new Error(`burrowd did not open ${CONTROL_SOCKET}; see ${logFile}`);
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

/** What the newcomer reads at start: how to connect the box from the web page, and how the LAN reaches it. */
function describeFirstBoot(household: Household): string {
  const { record } = household;
  const relative = (file: string) => path.relative(process.cwd(), file);
  const [lan1] = record.namespaces.lan;
  const [serverA] = record.vpnServers;
  const servers = record.vpnServers.map(
    (server) =>
      `  ${relative(server.client.configFile)}  server ${server.name.toUpperCase()}, endpoint ${server.client.configEndpoint}`,
  );
  return [
    'A new box: no tunnel is configured and the kill switch is closed, so LAN devices reach the router and nothing',
    "beyond it. The lab's VPN provider handed the router these files (wg-quick, 0600: they hold the router's private",
    'keys, made for this run and removed when the lab stops):',
    ...servers,
    '',
    'To connect it, as a household would:',
    `  1. open the web page (below) and create the first admin;`,
    `  2. on the Tunnel page, import ${relative(serverA!.client.configFile)}: upload the file, or paste its text`,
    `     (sudo cat ${relative(serverA!.client.configFile)}); import provider-b.conf too, second, for failover;`,
    `  3. the state turns "up", and a LAN device's requests leave from the VPN server:`,
    `     sudo ip netns exec ${lan1} curl http://${record.internetHost.webName}/    (answers ${serverA!.address})`,
    "Profiles imported in an earlier run hold that run's keys, which this lab's servers do not know: delete them and",
    'import the new files.',
    '',
    'Remote access, from the phone (on the Internet side, away from home):',
    `  1. on the Remote access page, turn it on with the WAN address ${record.router.wanAddress.split('/')[0]} (offered there) and port 51820;`,
    '  2. add a device ("LAN only", or "LAN and Internet") and download its .conf;',
    `  3. sudo node scripts/dist/lab/cli.js phone ~/Downloads/<device>.conf    (wireguard-go in ${record.phone.namespace})`,
    `  4. sudo ip netns exec ${record.phone.namespace} ping -c 3 <a LAN device's address>    (lan1's: sudo ip netns exec ${lan1} ip -4 address show eth0)`,
    `     sudo ip netns exec ${record.phone.namespace} curl http://${record.internetHost.web}/    ("LAN and Internet": answers ${serverA!.address})`,
    "  `sudo node scripts/dist/lab/cli.js phone down` turns the phone's WireGuard off.",
    '',
    "The router's page from a LAN device, its certificate checked against the router's CA (it names burrow.lan and",
    "the router's LAN address once burrowd has applied a state):",
    `  sudo ip netns exec ${lan1} curl --cacert var/certs/ca.pem https://burrow.lan/    (or https://${record.router.lanAddress.split('/')[0]}/)`,
    '',
    "The recovery console a technician gets on the router's screen or serial port, in another terminal:",
    '  sudo scripts/console.sh',
    '',
  ].join('\n');
}

/** Resolves once burrowd runs a desired state (the API's first, sent as it starts). */
async function waitForFirstState(logFile: string): Promise<void> {
  const deadline = Date.now() + FIRST_STATE_TIMEOUT_MS;
  while (Date.now() < deadline) {
    try {
      const status = await controlRequest(CONTROL_SOCKET, 'status', undefined, 2_000);
      const state = status.ok ? (status.result as { state?: unknown }).state : undefined;
      if (state !== null && state !== undefined) {
        return;
      }
    } catch {
      // burrowd is busy applying
    }
    await sleep(250);
  }
  throw new Error(
    `burrowd got no desired state from the API within ${FIRST_STATE_TIMEOUT_MS / 1000} s; see ${logFile}`,
  );
}

async function runLab(): Promise<void> {
  if (process.env['BURROW_LAB_TUNNEL'] !== undefined) {
    process.stdout.write(
      'BURROW_LAB_TUNNEL is no longer used: make run starts as a new box, and the tunnel comes from the web page.\n',
    );
  }
  fs.mkdirSync(path.join(VAR, 'run'), { recursive: true, mode: 0o700 });
  const household = await Household.start({
    naming: 'fixed',
    recordFile: path.join(VAR, 'lab.json'),
    providerDir: PROVIDER_DIR,
  });
  let api: ChildProcess | null = null;
  let relay: RouterWebRelay | null = null;
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) {
      return;
    }
    stopping = true;
    process.stdout.write('\nStopping Burrow and removing the lab…\n');
    api?.kill('SIGTERM');
    await relay?.stop().catch(() => undefined);
    await household.stop();
    process.exit(code);
  };
  // Ctrl-C, a kill, or the terminal closing (SIGHUP) all remove the lab. A reader of the output that went away
  // (`make run | tee` stopped by the same Ctrl-C) must not end the process half way through that: EPIPE is ignored.
  process.stdout.on('error', () => undefined);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => void stop(0));
  }
  try {
    const { record } = household;
    fs.writeFileSync(BOARD_FILE, `${JSON.stringify(labBoard(household), null, 2)}\n`, { mode: 0o600 });
    const burrowd = household.startProcess(
      record.namespaces.router,
      'burrowd',
      [
        process.execPath,
        path.join(ROOT, 'firmware/bin/burrowd'),
        '--data-dir',
        path.join(VAR, 'burrowd'),
        '--socket',
        CONTROL_SOCKET,
        '--network',
        BOARD_FILE,
      ],
      { ...process.env, LOG_LEVEL: process.env['LOG_LEVEL'] ?? 'info' },
    );
    await waitForBurrowd(burrowd.logFile);
    // burrowd blocks all forwarding until it has a desired state; the API sends the database's as it starts.
    api = startApi(true);
    await waitForFirstState(burrowd.logFile);
    // After the first apply: burrowd's firewall is in place before the router's ports 80 and 443 open.
    relay = await RouterWebRelay.start(household, { httpPort: Number(PORT), httpsPort: Number(HTTPS_PORT) });
    process.stdout.write(
      `\n${describeLab(record)}\n\n${describeFirstBoot(household)}\n${await describeWebPage()}` +
        '(Ctrl-C stops Burrow and removes the lab)\n',
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
