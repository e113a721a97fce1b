// The kill switch while desired states are being applied. For a 10 s window two states are applied back to back
// without pause, while both LAN devices try every way out and the WAN is captured: nothing but the tunnel may
// cross it.
// - The two states differ in the keepalive and the DHCP lease time, so every apply replaces the nftables table,
//   reconfigures the engine and restarts dnsmasq; the engine is also SIGKILLed at the start and again half-way, so
//   the supervisor's restart and its reapply race with the applies. Afterwards the newest state is in force.
// - The two states differ in the tunnel's resolvers: until dnsmasq is restarted it still forwards the LAN's queries
//   to the resolver an apply just dropped, and those must not leave by the WAN either (only root's DNS may; dnsmasq
//   runs unprivileged).
import { type DesiredStateInput } from '@burrow/firmware/control/desired-state';
import { TOOLS } from '@burrow/scripts/lab/tools';
import { type ExecutionContext } from 'ava';
import {
  assertNoLeaks,
  assertProbesRan,
  LEAK_WINDOW_MS,
  prepareDeviceIpv6,
  probeFromBothDevices,
  type ProbeReport,
  summarise,
} from './leaks.js';
import { type Gateway, gatewayTest } from './fixture.js';
import { eventually, sleep } from './poll.js';

/** An address inside the tunnel where nothing answers: a resolver a provider might list. */
const SILENT_TUNNEL_RESOLVER = '100.96.0.53';

function withChanges(
  gateway: Gateway,
  changes: { persistentKeepalive?: number; leaseSeconds?: number; dns?: string[]; killSwitch?: boolean },
): DesiredStateInput {
  const state = gateway.labState({
    persistentKeepalive: changes.persistentKeepalive ?? 25,
    killSwitch: changes.killSwitch ?? true,
  });
  const { lan } = state;
  const tunnel = state.tunnel!;
  return {
    ...state,
    lan: { ...lan, dhcp: { ...lan.dhcp, leaseSeconds: changes.leaseSeconds ?? lan.dhcp.leaseSeconds } },
    tunnel: { ...tunnel, dns: changes.dns ?? tunnel.dns },
  };
}

/** Kills the engine as soon as one runs (it may be between a crash and its restart just then). */
async function killEngineWhenRunning(gateway: Gateway): Promise<number> {
  const pid = await eventually('an engine running', 20_000, () => gateway.enginePid());
  process.kill(pid, 'SIGKILL');
  return pid;
}

/** Applies `states` in turn, without pause, for as long as both devices probe; returns what happened. */
async function churnWhileProbing(
  t: ExecutionContext,
  gateway: Gateway,
  states: readonly DesiredStateInput[],
): Promise<ProbeReport[]> {
  const outcomes = { applied: 0, failed: [] as string[] };
  let churning = true;
  const churn = (async () => {
    for (let index = 0; churning; index++) {
      const response = await gateway.request('apply', states[index % states.length]);
      if (response.ok) {
        outcomes.applied += 1;
      } else {
        outcomes.failed.push(response.error);
      }
    }
  })();
  const reports = await probeFromBothDevices(gateway);
  churning = false;
  await churn;
  t.log(`${outcomes.applied} states applied, ${outcomes.failed.length} failed; probes: ${summarise(reports)}`);
  if (outcomes.failed.length > 0) {
    // An apply that meets a dead engine fails and rolls back; that is allowed, a leak is not.
    t.log(`failed applies: ${[...new Set(outcomes.failed)].join(' | ')}`);
  }
  assertProbesRan(t, reports);
  t.true(outcomes.applied >= 2, 'states were applied during the window');
  return reports;
}

gatewayTest(
  'states applied back to back while the engine crashes: nothing leaks, the newest wins',
  {},
  async (t, gateway) => {
    await prepareDeviceIpv6(gateway);
    const [first, second] = gateway.lanDevices;
    const states = [
      withChanges(gateway, { persistentKeepalive: 15, leaseSeconds: 1800 }),
      withChanges(gateway, { persistentKeepalive: 25 }),
    ];
    const capture = await gateway.captureWan('apply-churn');

    const crashes = (async () => {
      const killed = [await killEngineWhenRunning(gateway)];
      await sleep(LEAK_WINDOW_MS / 2);
      killed.push(await killEngineWhenRunning(gateway));
      return killed;
    })();
    await churnWhileProbing(t, gateway, states);
    t.is((await crashes).length, 2, 'the engine was killed twice during the window');

    // The newest state is the one in force: a keepalive neither churned state had.
    await gateway.apply(withChanges(gateway, { persistentKeepalive: 20 }));
    const status = await gateway.status();
    t.like(status.state, { tunnel: { peers: [{ persistentKeepalive: 20 }] } });
    const keepalive = await gateway.lab.exec(gateway.router, [
      TOOLS.wg,
      'show',
      gateway.tunnelInterface,
      'persistent-keepalive',
    ]);
    t.regex(keepalive.stdout, /\t20$/m, 'the engine runs with the newest keepalive');
    await gateway.waitForTunnel(first);
    await gateway.waitForTunnel(second);
    await capture.stop();
    await assertNoLeaks(t, capture, 'states applied while the engine crashed');
  },
);

gatewayTest("states that change the tunnel's resolvers, applied back to back: no DNS leaks", {}, async (t, gateway) => {
  await prepareDeviceIpv6(gateway);
  // While the silent resolver is the only one, dnsmasq sends every query there; the next apply drops it.
  const states = [
    withChanges(gateway, { dns: [SILENT_TUNNEL_RESOLVER] }),
    withChanges(gateway, { dns: [gateway.record.vpnServer.dns] }),
  ];
  const capture = await gateway.captureWan('resolver-churn');
  await churnWhileProbing(t, gateway, states);
  await gateway.apply(states[1]!);
  await capture.stop();
  await assertNoLeaks(t, capture, "the tunnel's resolvers changed back and forth");
});

gatewayTest(
  "with the kill switch off too, changing the tunnel's resolvers leaks no DNS: it goes only through the tunnel",
  { killSwitch: false },
  async (t, gateway) => {
    await prepareDeviceIpv6(gateway);
    const states = [
      withChanges(gateway, { dns: [SILENT_TUNNEL_RESOLVER], killSwitch: false }),
      withChanges(gateway, { dns: [gateway.record.vpnServer.dns], killSwitch: false }),
    ];
    const capture = await gateway.captureWan('resolver-churn-kill-switch-off');
    await churnWhileProbing(t, gateway, states);
    await gateway.apply(states[1]!);
    await capture.stop();
    await assertNoLeaks(t, capture, "the tunnel's resolvers changed back and forth, kill switch off");
  },
);
