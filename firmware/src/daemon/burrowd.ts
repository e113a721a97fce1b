// burrowd, the privileged daemon: owns the tunnel engine, nftables, routing, sysctls and dnsmasq, and takes
// whole desired states from the API over its control socket.
//
// Start-up order is the point: the block-all-forwarding table goes in before anything else, so the LAN has no
// way out while the rest comes up; then the control socket, and systemd hears READY=1; then the state persisted by
// the last run. When burrowd stops (or dies) the kill-switch table stays loaded: the LAN stays blocked until burrowd
// is back. Under systemd's watchdog a hung burrowd (a blocked event loop, an apply that never ends) stops pinging
// and is restarted, into the same fail-closed start-up.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { stderrLog } from '../cli/log.js';
import { ControlError, type ControlHandlers, ControlServer } from '../control/control-server.js';
import { type BoardConfig, boardSchema } from '../control/desired-state-v2.js';
import { systemResolver } from '../control/engine-config.js';
import { Reconciler } from '../control/reconciler.js';
import { DEFAULT_FWMARK } from '../control/desired-state.js';
import { tunnelSource } from '../control/exit-check.js';
import { removeLeakProbe, runLeakProbe } from '../control/leak-probe.js';
import { runSelfTest } from '../control/self-test.js';
import { uapiGet } from '../control/uapi-client.js';
import { systemClock } from '../io/clock.js';
import { StateStore } from '../control/state-store.js';
import { Dnsmasq, dnsmasqPaths } from '../os/dnsmasq.js';
import { SpawnExecutor } from '../os/exec.js';
import { SystemdNotify } from '../os/systemd-notify.js';
import { EngineManager, endLeftoverEngines } from './engine-manager.js';
import { Gateway } from './gateway.js';
import { HealthChecks } from './health-checks.js';
import { KillSwitchDisarm, parseDisarmParams } from './kill-switch-disarm.js';
import { PROBE_INTERFACE } from './profile-prober.js';
import { SettleWatch } from './settle-watch.js';
import { RemoteExpiry } from './remote-expiry.js';
import { collectStatus } from './status.js';
import { SystemSteps } from './system-steps.js';
import { handshakeNow } from './tunnel-handshake.js';
import { BURROW_WG_NODE_FLAGS } from '../cli/burrow-wg-node-flags.js';

const USAGE = `Usage: burrowd [--data-dir DIR] [--socket PATH] [--api-user NAME | --api-uid UID] [--engine PROGRAM]
               [--network FILE]
  --data-dir   where the applied state, leases and run files live (default /data)
  --network    the board's WAN and LAN as JSON ({"wan": {...}, "lan": {...}}), for states that do not carry them;
               optionally "upstream": {"interface": NAME, "probeInterface": NAME} (default wg0 and bprobe0)
  --socket     the control socket for the API (default /run/burrow/burrowd.sock)
  --api-user   the API's service user, allowed on the control socket besides root (or --api-uid); the socket
               belongs to its group
  --engine     a wireguard-go compatible program (default: Burrow's own burrow-wg)
Environment: LOG_LEVEL=silent|error|info|verbose`;

/**
 * An apply or a monitor round running this long is wedged, and the watchdog pings stop. Far beyond the slowest
 * legitimate one: every command burrowd runs has a 10 s timeout, every UAPI request 5 s, every background
 * handshake 10 s.
 */
const HUNG_AFTER_MS = 10 * 60_000;

const DEFAULT_ENGINE = fileURLToPath(new URL('../../bin/burrow-wg', import.meta.url));

/** The uid and primary gid of a user from /etc/passwd (no shell-out to id(1)). */
function userIds(user: string): { uid: number; gid: number } {
  for (const line of fs.readFileSync('/etc/passwd', 'utf8').split('\n')) {
    const [name, , uid, gid] = line.split(':');
    if (name === user && uid !== undefined && gid !== undefined) {
      return { uid: Number(uid), gid: Number(gid) };
    }
  }
  throw new Error(`no user named ${user} in /etc/passwd`);
}

function parseOptions() {
  const { values } = parseArgs({
    options: {
      'data-dir': { type: 'string', default: process.env['BURROWD_DATA_DIR'] ?? '/data' },
      socket: { type: 'string', default: process.env['BURROWD_SOCKET'] ?? '/run/burrow/burrowd.sock' },
      'api-user': { type: 'string' },
      'api-uid': { type: 'string' },
      engine: { type: 'string', default: DEFAULT_ENGINE },
      network: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  // The API's user may open the socket (its group owns it: mode 0660); SO_PEERCRED still checks the uid.
  const apiUser = values['api-user'] ? userIds(values['api-user']) : null;
  const allowedUids = [...(apiUser ? [apiUser.uid] : []), ...(values['api-uid'] ? [Number(values['api-uid'])] : [])];
  if (allowedUids.some((uid) => !Number.isInteger(uid) || uid < 0)) {
    throw new Error('--api-uid must be a user id');
  }
  const engine = path.resolve(values.engine);
  // A Node script (our burrow-wg) runs under this Node; anything else (wireguard-go) runs as it is.
  const command = engine.endsWith('burrow-wg') ? [process.execPath, ...BURROW_WG_NODE_FLAGS, engine] : [engine];
  const board = values.network === undefined ? null : readBoard(values.network);
  return {
    dataDir: path.resolve(values['data-dir']),
    socketPath: values.socket,
    allowedUids,
    socketGid: apiUser?.gid,
    command,
    board,
  };
}

/** The board file: the router's own links, validated like the same part of a desired state. */
function readBoard(file: string): BoardConfig {
  const parsed = boardSchema.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')), { reportInput: false });
  if (!parsed.success) {
    throw new Error(
      `${file}: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`,
    );
  }
  return parsed.data;
}

async function main(): Promise<void> {
  const log = stderrLog('burrowd');
  // First: it takes systemd's variables out of the environment before any child (nft, the engine) is spawned.
  const systemd = SystemdNotify.fromEnvironment(log);
  const options = parseOptions();
  fs.mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  const runDir = path.join(options.dataDir, 'run');
  fs.mkdirSync(runDir, { recursive: true, mode: 0o700 });

  const executor = new SpawnExecutor();
  let reconciler: Reconciler | null = null;
  const engine = new EngineManager({
    command: options.command,
    runDir,
    log: (line) => log.info(line),
    onRestarted: () => void reconciler?.reapply(),
  });
  const probeEngine = new EngineManager({
    command: options.command,
    runDir,
    log: (line) => log.info(line),
    onRestarted: () => undefined,
  });
  // The second engine: the router as the household's WireGuard server (remote access), beside the upstream one.
  const remoteEngine = new EngineManager({
    command: options.command,
    runDir,
    log: (line) => log.info(line),
    onRestarted: () => void reconciler?.reapply(),
  });
  const remoteExpiry = new RemoteExpiry(() => void reconciler?.reapply());
  const dnsmasq = new Dnsmasq({ paths: dnsmasqPaths(options.dataDir), log: (line) => log.info(line) });
  const steps = new SystemSteps(executor, engine, dnsmasq, (message) => log.warn(message));
  steps.remoteEngine = remoteEngine;
  steps.onRemoteApplied = (remote, appliedAt) => remoteExpiry.schedule(remote, appliedAt);

  await steps.closeForwarding();
  log.info('forwarding is blocked until a desired state says otherwise');
  // A leak probe cut short by a crash leaves its namespace, veth, rule and table: none may outlive it.
  await removeLeakProbe(executor).catch((error: unknown) =>
    log.warn(`removing a leftover leak probe failed: ${(error as Error).message}`),
  );
  // Engines a killed burrowd left running go before the first apply: none may keep an interface or UAPI socket.
  await endLeftoverEngines(runDir, options.command, log);
  let gateway: Gateway | null = null;
  let settleWatch: SettleWatch | null = null;
  reconciler = new Reconciler(steps, (state) => gateway?.persist(state) ?? Promise.resolve(), log);
  const current = reconciler;
  const store = new StateStore(options.dataDir, options.board);
  const disarm = new KillSwitchDisarm({
    file: KillSwitchDisarm.fileIn(options.dataDir),
    clock: systemClock,
    log,
    reapply: async () => {
      const outcome = await gateway?.reapply();
      if (outcome && !outcome.ok) {
        throw new ControlError(
          `the kill switch did not change: ${outcome.errors[0] ?? 'unknown error'}`,
          outcome.errors,
        );
      }
    },
  });
  gateway = new Gateway({
    reconciler,
    store,
    disarmed: () => disarm.disarmed,
    board: options.board,
    engineSocket: () => engine.socketPath,
    setStandby: (standby) => (steps.standby = standby),
    probe: {
      manager: probeEngine,
      fwmark: DEFAULT_FWMARK,
      interface: options.board?.upstream?.probeInterface ?? PROBE_INTERFACE,
    },
    resolver: systemResolver,
    log,
    onChanged: (trigger, appliedFromWallMs) => settleWatch?.changed(trigger, appliedFromWallMs),
  });
  const household = gateway;

  const health = new HealthChecks({
    runSelfTest: async () =>
      runSelfTest({
        executor,
        state: current.current,
        loadedRuleset: steps.loadedRuleset,
        uapiSocket: engine.socketPath,
        leakProbe: async (input) =>
          runLeakProbe({
            executor,
            state: input.state,
            // Reserved addresses are taken too, also while their device is away (it may come back mid-probe).
            leased: [
              ...(await dnsmasq.leases().catch(() => [])).map((lease) => lease.ip),
              ...(input.state?.lan.reservations.map((reservation) => reservation.ipv4) ?? []),
            ],
          }),
      }),
    planExitCheck: () => {
      const url = household.current?.exitCheck?.url;
      if (url === undefined) {
        return null;
      }
      const profileId = household.status().activeId;
      const tunnel = current.current?.tunnel ?? null;
      const source = tunnelSource(tunnel);
      return {
        url,
        profileId,
        target:
          tunnel === null || source === null
            ? { problem: 'no tunnel carries traffic, so the Internet sees nothing of the household' }
            : { url, source, resolvers: tunnel.dns },
      };
    },
  });
  settleWatch = new SettleWatch({
    clock: systemClock,
    handshakeSince: async (sinceWallMs) => {
      const socket = engine.socketPath;
      if (socket === null) {
        return false;
      }
      // The engine counts in whole seconds: a handshake in the second of the change counts as after it.
      const since = Math.floor(sinceWallMs / 1000);
      const pairs = await uapiGet(socket).catch(() => []);
      return pairs.some(([key, value]) => key === 'last_handshake_time_sec' && Number(value) >= since && value !== '0');
    },
    settled: async (trigger) => {
      const report = await health.selfTest(trigger);
      const failing = report.checks.filter((check) => !check.pass).map((check) => check.name);
      log.info(`self-test after a ${trigger}: ${report.pass ? 'pass' : `FAIL (${failing.join(', ')})`}`);
    },
    handshake: async () => {
      const result = await health.exitCheck();
      if (result !== null) {
        log.info(`exit check: ${result.address ?? `failed: ${result.error ?? 'unknown'}`}`);
      }
    },
    warn: (message) => log.warn(message),
  });

  const handlers: ControlHandlers = {
    ping: () => Promise.resolve('pong'),
    apply: async (params) => {
      const outcome = await household.submit(params);
      if (!outcome.ok) {
        throw new ControlError(
          `the desired state was not applied: ${outcome.errors[0] ?? 'unknown error'}`,
          outcome.errors,
        );
      }
      return { generation: outcome.generation, warnings: outcome.warnings };
    },
    status: async () => ({
      ...((await collectStatus({
        state: current.current,
        steps,
        engine,
        dnsmasq,
        executor,
        remoteEngine,
        roles: {
          wan: options.board?.wan.interface ?? null,
          lan: options.board?.lan.interface ?? null,
          tunnel: options.board?.upstream?.interface ?? null,
        },
      })) as object),
      killSwitchState: {
        armed: current.current?.killSwitch ?? true,
        disarmedUntil: disarm.disarmedUntil,
        events: disarm.events,
      },
      upstream: household.status(),
      selftest: health.lastSelfTest,
      exitCheck: health.lastExitCheck(household.current?.exitCheck?.url ?? null),
    }),
    selfTest: async () => health.selfTest('request'),
    exitCheck: async () => {
      const result = await health.exitCheck();
      if (result === null) {
        throw new ControlError('no exit-check URL is set: the desired state has no exitCheck.url');
      }
      return result;
    },
    disarm: async (params) => {
      const request = parseDisarmParams(params);
      if (!request.ok) {
        throw new ControlError(request.error);
      }
      if (household.current === null) {
        throw new ControlError('no desired state is in force yet: the LAN is not set up, there is nothing to let out');
      }
      return { disarmedUntil: await disarm.disarm(request.ms) };
    },
    rearm: async () => ({ rearmed: await disarm.rearm('requested') }),
    factoryReset: async () => {
      log.info('factory reset: forgetting the saved desired state, the DHCP leases and any disarm');
      await disarm.rearm('factory reset', false);
      household.forget();
      await store.remove();
      const outcome = await current.reset();
      if (!outcome.ok) {
        throw new ControlError(`the first-boot state was not applied: ${outcome.errors[0] ?? 'unknown error'}`);
      }
      return {};
    },
    handshake: async () => {
      const { activeId, profiles } = household.status();
      const active = profiles.find((profile) => profile.id === activeId);
      const tunnel = current.current?.tunnel ?? null;
      if (tunnel === null && profiles.length > 0) {
        const first = { id: profiles[0]!.id, name: profiles[0]!.name };
        return { ok: false, profile: first, error: 'no profile carries traffic now: every one has failed' };
      }
      return handshakeNow({
        tunnel,
        profile: active === undefined ? null : { id: active.id, name: active.name },
        socketPath: engine.socketPath,
      });
    },
  };
  const control = await ControlServer.listen(
    { socketPath: options.socketPath, allowedUids: options.allowedUids, socketGid: options.socketGid, log },
    handlers,
  );
  log.info(`control socket at ${options.socketPath}`);
  // The kill-switch table is in and the API can connect: units ordered after burrowd.service may start.
  systemd.startWatchdog(() => {
    const applying = current.busyForMs();
    const monitoring = household.busyForMs();
    if (applying > HUNG_AFTER_MS) {
      return `a desired state has been applying for ${Math.round(applying / 1000)} s`;
    }
    if (monitoring > HUNG_AFTER_MS) {
      return `the upstream monitor's round has run for ${Math.round(monitoring / 1000)} s`;
    }
    return null;
  });
  systemd.ready();

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) {
      return;
    }
    stopping = true;
    systemd.stopping();
    log.info(`${signal}: stopping; the kill-switch table stays loaded`);
    await control.close().catch(() => undefined);
    household.stop();
    disarm.stop();
    settleWatch?.stop();
    remoteExpiry.stop();
    await Promise.allSettled([engine.stop(), probeEngine.stop(), remoteEngine.stop(), dnsmasq.stop()]);
    process.exit(0);
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => void stop(signal));
  }

  // Before the saved state: a disarm that outlived a restart applies with it, one that ran out is gone.
  await disarm
    .load()
    .catch((error: unknown) =>
      log.error(`the saved disarm could not be read, the kill switch stays armed: ${(error as Error).message}`),
    );
  household.start();
  const restored = await household.restore().catch((error: unknown) => {
    log.error(`the stored desired state could not be restored: ${(error as Error).message}`);
    return null;
  });
  if (restored && !restored.ok) {
    log.error(`restoring the stored desired state failed: ${restored.errors.join('; ')}`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`burrowd: ${(error as Error).message}\n`);
  // Whatever failed, the block-forwarding table (if it got in) stays: failing closed.
  process.exit(1);
});
