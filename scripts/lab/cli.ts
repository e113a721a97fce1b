// The household lab on its own, without burrowd or the API (`make run` builds the same lab and runs both in it):
//
//   node scripts/dist/lab/cli.js up [--foreground] [--unique] [--record FILE]
//       builds the lab (fixed names burrow-internet, burrow-router, burrow-lan1, burrow-lan2) and prints the plan.
//       It keeps running after this command returns, until `down`; with --foreground it is removed on Ctrl-C.
//       --unique (with --foreground) uses names of its own, so it can run beside another lab.
//   node scripts/dist/lab/cli.js down [--record FILE]      removes the lab and everything it made
//   node scripts/dist/lab/cli.js status [--record FILE]    prints the plan and whether its parts are there
//   node scripts/dist/lab/cli.js phone FILE.conf [--record FILE]
//       loads a remote device's wg-quick .conf (as the Remote access page downloads it) into the lab's phone, a
//       namespace on the Internet side: its wireguard-go keeps running after this returns; prints what to try.
//   node scripts/dist/lab/cli.js phone down [--record FILE]   ends the phone's wireguard-go
//
// The record is var/lab.json (or $BURROW_DATA_DIR/lab.json) unless --record says otherwise. Needs root.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeLab, shellHint } from './describe-lab.js';
import { waitForLease } from './dhcp-client.js';
import { Household } from './household.js';
import { type LabRecord, readRecord, removeRecordOf } from './lab-record.js';
import { isAlive, listNamespaces, pidsIn } from './namespaces.js';
import { FIXED_RUN_ID } from './names.js';
import { LabProcess } from './lab-process.js';
import {
  loadPhoneConf,
  type LoadedConf,
  type PhoneEngine,
  phoneEngineRuns,
  startPhoneEngine,
  stopPhoneEngine,
} from './phone.js';
import { teardownRun } from './sweep.js';

const USAGE =
  'usage: lab up [--foreground] [--unique] [--record FILE] | lab down [--record FILE] | lab status [--record FILE]' +
  ' | lab phone FILE.conf|down [--record FILE]';
const EXIT_NOT_RUNNING = 3;

interface Arguments {
  readonly command: string;
  /** `phone`'s argument: a .conf file, or "down". */
  readonly target: string | undefined;
  readonly foreground: boolean;
  readonly unique: boolean;
  readonly recordFile: string;
}

function parseArguments(args: readonly string[]): Arguments {
  const [command, ...afterCommand] = args;
  const target = command === 'phone' ? afterCommand[0] : undefined;
  const rest = command === 'phone' ? afterCommand.slice(1) : afterCommand;
  if (command === 'phone' && (target === undefined || target.startsWith('--'))) {
    throw new UsageError('`phone` needs a .conf file, or `down`');
  }
  let foreground = false;
  let unique = false;
  let recordFile = defaultRecordFile();
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (arg === '--foreground') {
      foreground = true;
    } else if (arg === '--unique') {
      unique = true;
    } else if (arg === '--record' && rest[i + 1] !== undefined) {
      recordFile = rest[++i]!;
    } else {
      throw new UsageError(`unknown argument ${JSON.stringify(arg)}`);
    }
  }
  if (command === undefined || !['up', 'down', 'status', 'phone'].includes(command)) {
    throw new UsageError(command === undefined ? 'a command is needed' : `unknown command ${JSON.stringify(command)}`);
  }
  if (unique && !(command === 'up' && foreground)) {
    throw new UsageError('--unique needs `up --foreground`: a lab with unique names ends with its process');
  }
  return { command, target, foreground, unique, recordFile };
}

function defaultRecordFile(): string {
  const dataDir = process.env.BURROW_DATA_DIR;
  // scripts/dist/lab/cli.js → the repository's var/.
  return dataDir ? join(dataDir, 'lab.json') : fileURLToPath(new URL('../../../var/lab.json', import.meta.url));
}

async function up(args: Arguments): Promise<void> {
  let interrupted = false;
  const interrupt = () => (interrupted = true);
  // A Ctrl-C while the lab is being built stops it once start() returns (start() cleans up after itself on failure).
  process.on('SIGINT', interrupt).on('SIGTERM', interrupt);
  const previous = args.unique ? undefined : await readRecordOrWarn(args.recordFile);
  if (previous?.runId === FIXED_RUN_ID && previous.ownerPid === null) {
    console.log('Replacing the household lab that `up` left running.');
  }
  const household = await Household.start({ naming: args.unique ? 'unique' : 'fixed', recordFile: args.recordFile });
  if (interrupted) {
    await household.stop();
    return;
  }
  console.log(describeLab(household.record));
  console.log(`\nRecord: ${args.recordFile}`);
  if (!args.foreground) {
    await household.detach();
    console.log('The lab keeps running; `node scripts/dist/lab/cli.js down` removes it.');
    process.off('SIGINT', interrupt).off('SIGTERM', interrupt);
    return;
  }
  console.log('Ctrl-C removes the lab.');
  // Signal listeners do not keep Node running; without this it would exit unstopped if the lab's programs died.
  const keepAlive = setInterval(() => undefined, 1 << 30);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve()).once('SIGTERM', () => resolve());
  });
  clearInterval(keepAlive);
  console.log('Removing the household lab…');
  await household.stop();
  process.off('SIGINT', interrupt).off('SIGTERM', interrupt);
}

async function down(args: Arguments): Promise<void> {
  const record = await readRecordOrWarn(args.recordFile);
  const runId = record?.runId ?? FIXED_RUN_ID;
  const owner = record?.ownerPid;
  if (owner !== undefined && owner !== null && isAlive(owner)) {
    console.warn(`Process ${owner} was holding this lab; it will find it gone.`);
  }
  await teardownRun(runId);
  await removeRecordOf(args.recordFile, runId);
  console.log(`Removed household lab ${runId}.`);
}

async function status(args: Arguments): Promise<number> {
  const record = await readRecordOrWarn(args.recordFile);
  if (record === undefined) {
    console.log(`No household lab is running (no ${args.recordFile}).`);
    return EXIT_NOT_RUNNING;
  }
  console.log(describeLab(record));
  const existing = new Set(await listNamespaces());
  const namespaces = [
    record.namespaces.internet,
    record.namespaces.router,
    ...record.namespaces.lan,
    record.namespaces.phone,
  ];
  let complete = true;
  console.log('\nNow:');
  for (const ns of namespaces) {
    if (existing.has(ns)) {
      console.log(`  ${ns}: ${(await pidsIn(ns)).length} process(es)`);
    } else {
      complete = false;
      console.log(`  ${ns}: missing`);
    }
  }
  const owner = record.ownerPid;
  console.log(
    owner === null
      ? '  held by nobody: it runs until `lab down`'
      : isAlive(owner)
        ? `  held by process ${owner}`
        : `  its process ${owner} is gone: left over, \`lab down\` removes it`,
  );
  return complete ? 0 : 1;
}

/**
 * Loads a device's .conf into the lab's phone, starting its wireguard-go first if it is not running (it then runs
 * on after this process, until `phone down` or the lab's removal), and says what to try.
 */
async function phone(args: Arguments, conf: string): Promise<void> {
  const record = await runningRecord(args.recordFile);
  const engine: PhoneEngine = { ns: record.phone.namespace, ifname: record.phone.wireguardInterface };
  if (!(await phoneEngineRuns(engine))) {
    const daemon = await startPhoneEngine(engine, (argv) =>
      LabProcess.start(engine.ns, 'phone', argv, { logDir: record.files.logDir }),
    );
    daemon.detach();
  }
  const loaded = await loadPhoneConf(engine, conf, record.files.runDir);
  console.log(await describePhone(record, loaded));
}

async function phoneDown(args: Arguments): Promise<void> {
  const record = await runningRecord(args.recordFile);
  await stopPhoneEngine({ ns: record.phone.namespace, ifname: record.phone.wireguardInterface });
  console.log(`The phone's WireGuard is off (${record.phone.namespace} stays, on the Internet side).`);
}

/** What the phone now does, and what to try from it. */
async function describePhone(record: LabRecord, loaded: LoadedConf): Promise<string> {
  const ns = record.phone.namespace;
  const web = record.internetHost.web;
  const fullTunnel = loaded.routes.includes('0.0.0.0/1');
  const [routerRemote] = loaded.dns.filter((server) => /^[0-9.]+$/.test(server));
  const lanDevice = await lanDeviceAddress(record);
  const vpnAddress = record.vpnServers[0]?.address ?? '';
  return [
    `The phone (${ns}) dials ${loaded.endpoints.join(', ') || '(no endpoint)'} as ${loaded.addresses.join(', ')};`,
    `into its tunnel: ${loaded.routes.join(', ')}.`,
    ...(loaded.ignoredHooks.length > 0 ? [`Left out (never run here): ${loaded.ignoredHooks.join('; ')}`] : []),
    'WireGuard makes its handshake with the first packet. Try:',
    `  sudo ip netns exec ${ns} ping -c 3 ${lanDevice ?? record.router.lanAddress.split('/')[0]}    (a LAN ${lanDevice === undefined ? 'address: the router' : 'device'})`,
    ...(routerRemote === undefined
      ? []
      : [`  sudo ip netns exec ${ns} ping -c 3 ${routerRemote}    (the router, inside the tunnel)`]),
    `  sudo ip netns exec ${ns} curl http://${web}/    (${
      fullTunnel
        ? `"LAN and Internet": answers ${vpnAddress}, the VPN server's address, once the router's tunnel is up`
        : `not in the tunnel: answers ${record.phone.address.split('/')[0]}, straight over the phone's own cable`
    })`,
    `  sudo ip netns exec ${ns} wg show    (the handshake, bytes in and out)`,
    `  ${shellHint(ns)}`,
    'On the Remote access page the device shows its last handshake and endpoint; `sudo node scripts/dist/lab/cli.js phone down` turns it off.',
  ].join('\n');
}

/** The first LAN device's address, if it holds a lease. */
async function lanDeviceAddress(record: LabRecord): Promise<string | undefined> {
  const [ns] = record.namespaces.lan;
  if (ns === undefined) {
    return undefined;
  }
  // The device's DHCP client is named after its role, "lan1".
  return waitForLease({ ns, hostname: 'lan1', dir: record.files.runDir }, 0).then(
    (lease) => lease.address,
    () => undefined,
  );
}

/** The record of a lab whose namespaces exist; a clear error otherwise. */
async function runningRecord(file: string): Promise<LabRecord> {
  const record = await readRecordOrWarn(file);
  if (record === undefined) {
    throw new Error(`no household lab is running (no ${file}): \`make run\` or \`lab up\` builds one`);
  }
  if (!(await listNamespaces()).includes(record.phone.namespace)) {
    throw new Error(`the lab in ${file} has no ${record.phone.namespace}: is it still running? (\`lab status\`)`);
  }
  return record;
}

async function readRecordOrWarn(file: string): Promise<LabRecord | undefined> {
  try {
    return await readRecord(file);
  } catch (error) {
    console.warn((error as Error).message);
    return undefined;
  }
}

class UsageError extends Error {}

async function main(): Promise<number> {
  const args = parseArguments(process.argv.slice(2));
  switch (args.command) {
    case 'up':
      await up(args);
      return 0;
    case 'down':
      await down(args);
      return 0;
    case 'phone':
      if (args.target === 'down') {
        await phoneDown(args);
      } else {
        await phone(args, await readFile(args.target!, 'utf8'));
      }
      return 0;
    default:
      return status(args);
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      console.error(`lab: ${error.message}\n${USAGE}`);
      process.exitCode = 2;
    } else {
      console.error(`lab: ${error instanceof Error ? error.message : String(error)}`);
      if (error instanceof AggregateError) {
        error.errors.forEach((inner: unknown) =>
          console.error(`  ${inner instanceof Error ? inner.message : String(inner)}`),
        );
      }
      process.exitCode = 1;
    }
  },
);
