// burrow-wg [-f|--foreground] IFNAME: a drop-in for wireguard-go. Creates the TUN interface IFNAME and serves
// WireGuard's cross-platform UAPI on /var/run/wireguard/IFNAME.sock, so wg(8) and wg-quick configure it unchanged.
// Without -f it detaches like wireguard-go: the command returns once the interface and socket are ready (or
// failed, with the reason), and the daemon goes on in the background.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { UapiServer } from '../control/uapi-server.js';
import { Device } from '../engine/device.js';
import { UdpBind } from '../io/bind.udp.js';
import { systemClock } from '../io/clock.js';
import { checkInterfaceName, LinuxTun } from '../io/tun.linux.js';
import { stderrLog } from './log.js';
import { defaultTransportAead } from '../crypto/aead-select.js';

/** The file descriptor a detached child reports readiness on (its parent waits for one line there). */
const READY_FD = 3;
const READY_ENV = 'BURROW_WG_READY_FD';

const USAGE = `Usage: burrow-wg [-f/--foreground] INTERFACE-NAME
Creates a WireGuard interface in userspace and serves its configuration socket at
/var/run/wireguard/INTERFACE-NAME.sock; configure it with wg(8).
Environment: LOG_LEVEL=silent|error|info|verbose
             BURROW_TUN_OFFLOAD=off  never ask the kernel for TCP segmentation offload on the TUN`;

interface Arguments {
  foreground: boolean;
  name: string;
}

function parseArguments(argv: string[]): Arguments | string {
  let foreground = false;
  const rest: string[] = [];
  for (const arg of argv) {
    if (arg === '-f' || arg === '--foreground') {
      foreground = true;
    } else if (arg === '-h' || arg === '--help') {
      return USAGE;
    } else {
      rest.push(arg);
    }
  }
  if (rest.length !== 1 || rest[0]!.startsWith('-')) {
    return USAGE;
  }
  try {
    checkInterfaceName(rest[0]!);
  } catch (error) {
    return (error as Error).message;
  }
  return { foreground, name: rest[0]! };
}

/** Starts this same command in the foreground, detached, and waits for its ready line. */
async function detach(name: string): Promise<number> {
  const verbose = (process.env['LOG_LEVEL'] ?? '') === 'verbose';
  const child = spawn(process.execPath, [process.argv[1]!, '--foreground', name], {
    detached: true,
    stdio: ['ignore', 'ignore', verbose ? 'inherit' : 'ignore', 'pipe'],
    env: { ...process.env, [READY_ENV]: String(READY_FD) },
  });
  const ready = child.stdio[READY_FD] as NodeJS.ReadableStream;
  let report = '';
  ready.setEncoding('utf8');
  ready.on('data', (chunk: string) => (report += chunk));
  const exitCode = await new Promise<number>((resolve) => {
    ready.on('end', () => resolve(report.startsWith('ready') ? 0 : 1));
    child.on('error', () => resolve(1));
  });
  if (exitCode !== 0) {
    process.stderr.write(
      report.trim() ? `${report.trim()}\n` : `burrow-wg: the daemon for ${name} exited during start-up\n`,
    );
  }
  child.unref();
  return exitCode;
}

function reportReady(message: string): void {
  if (process.env[READY_ENV] === String(READY_FD)) {
    try {
      fs.writeSync(READY_FD, message);
      fs.closeSync(READY_FD);
    } catch {
      // The parent is gone: nobody is waiting for the report.
    }
  }
}

async function runForeground(name: string): Promise<void> {
  const log = stderrLog(`burrow-wg(${name})`);
  let tun: LinuxTun | null = null;
  let device: Device | null = null;
  let uapi: UapiServer | null = null;
  let stopping = false;
  const stop = async (reason: string, exitCode: number): Promise<never> => {
    if (!stopping) {
      stopping = true;
      log.info(`shutting down: ${reason}`);
      await uapi?.close().catch((error: unknown) => log.error(`closing the UAPI socket: ${String(error)}`));
      if (device) {
        device.close();
      } else {
        tun?.close();
      }
    }
    process.exit(exitCode);
  };

  try {
    tun = LinuxTun.open({ name, offload: process.env['BURROW_TUN_OFFLOAD'] !== 'off' });
    if (tun.offloadRefused !== undefined) {
      log.info(`the kernel refused TUN offloads (${tun.offloadRefused}): reading one packet at a time`);
    }
    const bind = new UdpBind();
    device = new Device({ tun, bind, clock: systemClock, log });
    tun.onError((error) => void stop(`the interface went away (${error.message})`, 0));
    bind.onError((error) => log.error(`UDP receive stopped: ${error.message}`));
    uapi = await UapiServer.listen(UapiServer.socketPathFor(tun.name), device, log);
  } catch (error) {
    const message = `burrow-wg: cannot start ${name}: ${(error as Error).message}`;
    reportReady(`${message}\n`);
    log.error(message);
    await stop('start-up failed', 1);
    return;
  }
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => void stop(signal, 0));
  }
  log.info(`interface ${tun.name} is up; UAPI at ${uapi.socketPath}; transport cipher: ${defaultTransportAead.name}`);
  reportReady('ready\n');
}

async function main(): Promise<void> {
  const parsed = parseArguments(process.argv.slice(2));
  if (typeof parsed === 'string') {
    process.stderr.write(`${parsed}\n`);
    process.exitCode = parsed === USAGE ? 2 : 1;
    return;
  }
  if (parsed.foreground) {
    await runForeground(parsed.name);
  } else {
    process.exitCode = await detach(parsed.name);
  }
}

await main();
