// Seeing that it works (issue #11), against the real household: burrowd's own checks.
// - After the lab's state is applied, burrowd runs the self-test by itself and the status report carries it.
// - The leak probe sends real packets from a LAN address, routed as if the tunnel were gone: with the kill switch
//   on they are all dropped (pass); with it off they reach the WAN's egress and the probe says so (fail), while
//   dropping them there itself (the capture sees none). Nothing of the probe is left behind (veth, rule, table).
// - The exit check, given the lab's web server (it answers the client's address), reports VPN server A's address;
//   with server A down it reports an error, and nothing of the check crossed the WAN outside the tunnel.
import { parseDesiredState } from '@burrow/firmware/control/desired-state';
import { fromVersion1 } from '@burrow/firmware/control/desired-state-v2';
import { LEAK_PROBE_TARGET } from '@burrow/firmware/control/leak-probe';
import { run } from '@burrow/firmware/os/exec';
import { TOOLS } from '@burrow/scripts/lab/tools';
import { type ExecutionContext } from 'ava';
import { type Gateway, gatewayTest, type SelfTestCheck } from './fixture.js';
import { VPN_ENDPOINTS } from './leaks.js';
import { eventually } from './poll.js';

/** The lab's web server answers `GET /` with the client's address as plain text. */
const EXIT_CHECK_URL = 'http://internet.test/';
/** The router's end of the tunnel to server A (the exit check's source). */
const TUNNEL_ADDRESS = '100.96.0.2';
/** The settle window is 15 s; with a handshake it runs at once. */
const AUTOMATIC_TIMEOUT_MS = 30_000;

interface SelfTestReport {
  readonly at: number;
  readonly trigger: string;
  readonly pass: boolean;
  readonly checks: readonly SelfTestCheck[];
}

interface ExitCheckResult {
  readonly url: string;
  readonly address: string | null;
  readonly checkedAt: number;
  readonly profileId: number | null;
  readonly error: string | null;
}

interface HealthStatus {
  readonly selftest: SelfTestReport | null;
  readonly exitCheck: ExitCheckResult | null;
  readonly upstream: { readonly failovers: number };
}

function describe(checks: readonly SelfTestCheck[]): string {
  return checks.map((check) => `${check.name} ${check.pass ? 'pass' : 'FAIL'}: ${check.details}`).join('\n');
}

/** The lab's state as the API sends it (version 2), with the exit check and the kill switch as asked. */
function documentFor(gateway: Gateway, options: { killSwitch: boolean }): unknown {
  const parsed = parseDesiredState(gateway.labState({}));
  if (!parsed.ok) {
    throw new Error(parsed.errors.join('; '));
  }
  return { ...fromVersion1(parsed.state), killSwitch: options.killSwitch, exitCheck: { url: EXIT_CHECK_URL } };
}

async function health(gateway: Gateway): Promise<HealthStatus> {
  return (await gateway.status()) as unknown as HealthStatus;
}

async function selfTest(gateway: Gateway): Promise<SelfTestReport> {
  const response = await gateway.request('selfTest', undefined, 30_000);
  if (!response.ok) {
    throw new Error(`selfTest failed: ${response.error}`);
  }
  return response.result as SelfTestReport;
}

async function exitCheck(gateway: Gateway): Promise<ExitCheckResult> {
  const response = await gateway.request('exitCheck', undefined, 30_000);
  if (!response.ok) {
    throw new Error(`exitCheck failed: ${response.error}`);
  }
  return response.result as ExitCheckResult;
}

/** Nothing of a leak probe is left in the router: its veth end, its rule, its table. */
async function assertProbeRemoved(t: ExecutionContext, gateway: Gateway): Promise<void> {
  const ip = (...args: string[]) => run([TOOLS.ip, '-n', gateway.router, ...args], { okExitCodes: [1] });
  t.is((await ip('link', 'show', 'dev', 'bleak0')).code, 1, 'no bleak0 left');
  t.notRegex((await ip('rule', 'show')).stdout, /^990:/m, 'no rule 990 left');
  const tables = await run([TOOLS.ip, 'netns', 'exec', gateway.router, TOOLS.nft, 'list', 'tables']);
  t.notRegex(tables.stdout, /burrow_leakprobe/, 'no probe table left');
  t.regex(tables.stdout, /table inet burrow\b/, 'the kill-switch table stays');
}

/**
 * Runs a self-test while reading the LAN bridge's MAC address every few milliseconds: the probe's port must never
 * change it (a bridge takes its lowest port's address), or devices that learned it would lose the router.
 */
async function selfTestWatchingBridgeMac(gateway: Gateway): Promise<{ report: SelfTestReport; macs: Set<string> }> {
  const mac = async () =>
    (
      await run([TOOLS.ip, '-n', gateway.router, '-j', 'link', 'show', 'dev', gateway.record.router.lanInterface])
    ).stdout.match(/"address":"([0-9a-f:]+)"/)?.[1] ?? '?';
  const macs = new Set([await mac()]);
  let running = true;
  const watching = (async () => {
    while (running) {
      macs.add(await mac());
    }
  })();
  try {
    return { report: await selfTest(gateway), macs };
  } finally {
    running = false;
    await watching;
  }
}

function leakProbe(report: SelfTestReport): SelfTestCheck {
  const check = report.checks.find((candidate) => candidate.name === 'leak-probe');
  if (check === undefined) {
    throw new Error(`no leak-probe check in ${JSON.stringify(report)}`);
  }
  return check;
}

gatewayTest(
  'burrowd checks itself after a change; the leak probe catches a kill switch that is off; the exit check sees server A',
  {},
  async (t, gateway) => {
    // 1. The lab's state was applied by the fixture: the self-test ran by itself once the tunnel came up.
    const automatic = await eventually(
      'an automatic self-test in the status report',
      AUTOMATIC_TIMEOUT_MS,
      async () => {
        const { selftest } = await health(gateway);
        return selftest ?? undefined;
      },
    );
    t.log(`automatic self-test (${automatic.trigger}):\n${describe(automatic.checks)}`);
    t.is(automatic.trigger, 'change');
    t.true(automatic.pass, 'the healthy household passes');
    t.deepEqual(
      automatic.checks.map((check) => check.name),
      ['ruleset', 'handshake', 'no-bypass', 'dns', 'ipv6', 'leak-probe'],
    );
    t.regex(leakProbe(automatic).details, /^\d+ packets from a LAN address, .* were all dropped$/);
    t.is((await health(gateway)).upstream.failovers, 0);
    await assertProbeRemoved(t, gateway);

    // 2. The exit check through the tunnel: the Internet sees server A.
    await gateway.apply(documentFor(gateway, { killSwitch: true }) as never);
    const seen = await exitCheck(gateway);
    t.log(`exit check: ${JSON.stringify(seen)}`);
    t.like(seen, { url: EXIT_CHECK_URL, address: VPN_ENDPOINTS.a.address, profileId: 1, error: null });
    t.like((await health(gateway)).exitCheck, { address: VPN_ENDPOINTS.a.address });

    // 3. Kill switch off: the probe's packets get through to the WAN's egress, and the probe says so; it drops
    //    them there itself, so the capture sees none of them.
    const before = Date.now();
    await gateway.apply(documentFor(gateway, { killSwitch: false }) as never);
    const probeCapture = await gateway.captureWan('leak-probe-kill-switch-off');
    const off = await selfTest(gateway);
    await probeCapture.stop();
    const probeOnWan = await probeCapture.describe(`udp and dst host ${LEAK_PROBE_TARGET}`);
    t.is(probeOnWan.count, 0, `the probe found the leak without making one:\n${probeOnWan.sample}`);
    t.log(`kill switch off:\n${describe(off.checks)}`);
    t.false(leakProbe(off).pass, 'the leak is reported');
    t.regex(leakProbe(off).details, /^a LAN packet left through wan0/);
    t.false(off.pass);
    t.is(off.trigger, 'request');
    await assertProbeRemoved(t, gateway);
    // The change of the kill switch ran one by itself too.
    const afterChange = await eventually('a self-test after the kill switch change', AUTOMATIC_TIMEOUT_MS, async () => {
      const { selftest } = await health(gateway);
      return selftest !== null && selftest.trigger === 'change' && selftest.at >= before ? selftest : undefined;
    });
    t.false(leakProbe(afterChange).pass);

    // 4. Kill switch on again and server A down: the exit check fails, and nothing of it crosses the WAN.
    await gateway.apply(documentFor(gateway, { killSwitch: true }) as never);
    const { report: on, macs } = await selfTestWatchingBridgeMac(gateway);
    t.true(leakProbe(on).pass, 'on again: nothing leaks');
    t.is(macs.size, 1, `the LAN bridge kept its address while the probe's port was on it: ${[...macs].join(', ')}`);
    await gateway.lab.stopVpnServer('a');
    const capture = await gateway.captureWan('exit-check-tunnel-down');
    const down = await exitCheck(gateway);
    await capture.stop();
    t.log(`exit check with server A down: ${JSON.stringify(down)}`);
    t.is(down.address, null);
    t.truthy(down.error);
    const outside = `host ${TUNNEL_ADDRESS} or (tcp and port 80) or port 53 or net 100.64.8.0/24`;
    const { count, sample } = await capture.describe(outside);
    t.is(count, 0, `nothing of the exit check on the WAN:\n${sample}`);
  },
);
