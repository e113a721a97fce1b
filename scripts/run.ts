// `make run`: the appliance on a development machine. As root it builds the household lab, runs burrowd in the
// router namespace, and the API (with the web page) on this machine's loopback, which LAN devices reach as
// https://burrow.lan/ through a relay; Ctrl-C takes everything down again. Without root it says so and runs the
// web page alone.
//
// BURROW_LAB_TUNNEL says what burrowd is told at start:
//   lab   (default for now) the lab's tunnel to VPN server A, kill switch on: LAN devices reach the Internet at once
//   none  no tunnel, kill switch on, as a new box: LAN devices reach the router and nothing beyond it until a
//         tunnel is configured (from the web page, by importing var/lab/provider-a.conf or provider-b.conf)
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
import { RouterWebRelay } from './lab/web-relay.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const VAR = path.join(ROOT, 'var');
const PORT = process.env['BURROW_HTTP_PORT'] ?? '8080';
const HTTPS_PORT = process.env['BURROW_HTTPS_PORT'] ?? '8443';
const CONTROL_SOCKET = path.join(VAR, 'run', 'burrowd.sock');
const CA_FILE = path.join(VAR, 'certs', 'ca.pem');
/** The router's client configurations for the lab's two VPN servers, as providers hand them out. */
const PROVIDER_DIR = path.join(VAR, 'lab');
const TUNNEL_MODES = ['lab', 'none'] as const;
type TunnelMode = (typeof TUNNEL_MODES)[number];
/** Variables for this script only: the API refuses BURROW_* variables it does not know. */
const RUN_ONLY_VARIABLES = ['BURROW_LAB_TUNNEL'];

function tunnelMode(): TunnelMode {
  const value = process.env['BURROW_LAB_TUNNEL'] ?? 'lab';
  if (!(TUNNEL_MODES as readonly string[]).includes(value)) {
    throw new Error(`BURROW_LAB_TUNNEL must be one of ${TUNNEL_MODES.join(', ')}, got ${JSON.stringify(value)}`);
  }
  return value as TunnelMode;
}

function startApi(withFirmware: boolean): ChildProcess {
  const env: NodeJS.ProcessEnv = {
    ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !RUN_ONLY_VARIABLES.includes(name))),
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

/** What the newcomer reads at start: the provider files, and how the LAN reaches the router's page. */
function describeFirstBoot(household: Household, mode: TunnelMode): string {
  const { record } = household;
  const relative = (file: string) => path.relative(process.cwd(), file);
  const [lan1] = record.namespaces.lan;
  const servers = record.vpnServers.map(
    (server) =>
      `  ${relative(server.client.configFile)}  server ${server.name.toUpperCase()}, endpoint ${server.client.configEndpoint}`,
  );
  const tunnel =
    mode === 'none'
      ? [
          'No tunnel is configured (BURROW_LAB_TUNNEL=none): the kill switch is closed, so LAN devices reach the router',
          'and nothing beyond it, as with a new box. Connect it by importing one of these files on the web page',
          "(Tunnel page: paste the file's text or upload it), or start with BURROW_LAB_TUNNEL=lab for the lab's own tunnel:",
        ]
      : [
          "burrowd runs the lab's tunnel to VPN server A (BURROW_LAB_TUNNEL=lab; BURROW_LAB_TUNNEL=none starts with no",
          "tunnel, as a new box). The VPN providers' files for the router, to import on the web page (Tunnel page):",
        ];
  return [
    ...tunnel,
    ...servers,
    "  (0600: they hold the router's private keys, made for this run; removed when the lab stops)",
    '',
    "The router's page from a LAN device (the API's certificate may not name burrow.lan yet, hence -k):",
    `  sudo ip netns exec ${lan1} curl -k https://burrow.lan/    (or https://${record.router.lanAddress.split('/')[0]}/)`,
    '',
  ].join('\n');
}

async function runLab(): Promise<void> {
  const mode = tunnelMode();
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
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  try {
    const { record } = household;
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
      ],
      { ...process.env, LOG_LEVEL: process.env['LOG_LEVEL'] ?? 'info' },
    );
    await waitForBurrowd(burrowd.logFile);
    // `none` is what a new box starts with: the LAN and the closed kill switch, no tunnel.
    const state = mode === 'none' ? { ...labDesiredState(household), tunnel: null } : labDesiredState(household);
    const applied = await controlRequest(CONTROL_SOCKET, 'apply', state);
    if (!applied.ok) {
      throw new Error(`burrowd refused the lab's desired state: ${applied.error}`);
    }
    api = startApi(true);
    // After the first apply: burrowd's firewall is in place before the router's ports 80 and 443 open.
    relay = await RouterWebRelay.start(household, { httpPort: Number(PORT), httpsPort: Number(HTTPS_PORT) });
    process.stdout.write(
      `\n${describeLab(record)}\n\n${describeFirstBoot(household, mode)}\n${await describeWebPage()}` +
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
