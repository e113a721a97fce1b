// The self-test the web page and the recovery console show: does the box keep its promise right now?
//   ruleset    the kill-switch table is loaded and is exactly the one the desired state renders to
//   handshake  the tunnel completed a handshake recently enough that its session is still valid
//   no-bypass  the kernel would send LAN traffic to the Internet through the tunnel or nowhere
//   dns        the router's DNS upstreams are reached through the tunnel
//   ipv6       the kernel would send LAN IPv6 through the tunnel when it carries IPv6, and nowhere otherwise
//   leak-probe real packets from a LAN address, routed as if the tunnel were gone, never leave the WAN
//              (leak-probe.ts; run when the caller gives one, burrowd always does)
// Each check answers pass or fail with the details a person needs to act.
import { type LoadedRuleset, isLoadedRulesetCurrent } from '../os/nft-apply.js';
import { type Executor, IP_PATH } from '../os/exec.js';
import { formatIp, maskAddress, parseIpPrefix } from '../net/ip.js';
import { REJECT_AFTER_TIME_MS } from '../protocol/constants.js';
import { type DesiredState, tunnelCarriesIpv6 } from './desired-state.js';
import { uapiGet } from './uapi-client.js';

export interface CheckResult {
  readonly name: 'ruleset' | 'handshake' | 'no-bypass' | 'dns' | 'ipv6' | 'leak-probe';
  readonly pass: boolean;
  readonly details: string;
}

export interface SelfTestInput {
  readonly executor: Executor;
  readonly state: DesiredState | null;
  /** What the reconciler loaded last (the content digest catches rules changed by hand). */
  readonly loadedRuleset: LoadedRuleset | null;
  readonly uapiSocket: string | null;
  readonly now?: () => number;
  /** The leak probe (it builds a namespace, so the caller decides); absent: not run. */
  readonly leakProbe?: (input: SelfTestInput) => Promise<CheckResult>;
}

/** Addresses only looked up in the routing table, never contacted (documentation ranges). */
const INTERNET_PROBES = { 4: '203.0.113.250', 6: '2001:db8::250' } as const;

interface RouteGet {
  readonly type?: string;
  readonly dev?: string;
}

async function routeGet(executor: Executor, argv: string[]): Promise<RouteGet | 'unreachable'> {
  try {
    const { stdout } = await executor.run([IP_PATH, '-j', ...argv]);
    const [route] = JSON.parse(stdout) as RouteGet[];
    return route ?? 'unreachable';
  } catch (error) {
    // `ip route get` fails with "unreachable"/"prohibit" errors when the table says so: that is a pass for leaks.
    if (/unreachable|prohibit|blackhole|No route/i.test((error as Error).message)) {
      return 'unreachable';
    }
    throw error;
  }
}

async function checkRuleset(input: SelfTestInput): Promise<CheckResult> {
  if (input.loadedRuleset === null) {
    return { name: 'ruleset', pass: false, details: 'no kill-switch table was loaded by burrowd yet' };
  }
  const status = await isLoadedRulesetCurrent(input.executor, input.loadedRuleset);
  return status.current
    ? { name: 'ruleset', pass: true, details: `the kill-switch table is loaded (${input.loadedRuleset.fingerprint})` }
    : { name: 'ruleset', pass: false, details: status.reason };
}

async function checkHandshake(input: SelfTestInput): Promise<CheckResult> {
  if (!input.state?.tunnel || input.uapiSocket === null) {
    return { name: 'handshake', pass: false, details: 'no tunnel is configured' };
  }
  let pairs: Array<[string, string]>;
  try {
    pairs = await uapiGet(input.uapiSocket);
  } catch (error) {
    return {
      name: 'handshake',
      pass: false,
      details: `the tunnel engine does not answer: ${(error as Error).message}`,
    };
  }
  const latest = Math.max(
    0,
    ...pairs.filter(([key]) => key === 'last_handshake_time_sec').map(([, value]) => Number(value)),
  );
  if (latest === 0) {
    return { name: 'handshake', pass: false, details: 'the tunnel has not completed a handshake with the VPN server' };
  }
  const ageSeconds = Math.round(((input.now ?? Date.now)() - latest * 1000) / 1000);
  return ageSeconds * 1000 < REJECT_AFTER_TIME_MS
    ? { name: 'handshake', pass: true, details: `last handshake ${ageSeconds} s ago` }
    : { name: 'handshake', pass: false, details: `last handshake ${ageSeconds} s ago: the session has expired` };
}

async function checkNoBypass(input: SelfTestInput): Promise<CheckResult> {
  const { state } = input;
  if (state === null) {
    return { name: 'no-bypass', pass: false, details: 'no desired state is applied' };
  }
  // As a LAN device would send it: from a device's address (the first the DHCP server hands out). Not the router's
  // own LAN address: the kernel refuses a lookup of a packet arriving with a local source ("Invalid argument").
  const deviceAddress = state.lan.dhcp.rangeStart;
  const tunnel = state.tunnel?.interface;
  const route = await routeGet(input.executor, [
    'route',
    'get',
    INTERNET_PROBES[4],
    'from',
    deviceAddress,
    'iif',
    state.lan.interface,
  ]);
  if (route === 'unreachable' || route.type === 'unreachable' || route.type === 'blackhole') {
    return state.killSwitch
      ? {
          name: 'no-bypass',
          pass: true,
          details: 'the tunnel is down and LAN traffic has nowhere to go: nothing leaks',
        }
      : { name: 'no-bypass', pass: false, details: 'LAN traffic is unreachable although the kill switch is off' };
  }
  if (route.dev === tunnel) {
    return { name: 'no-bypass', pass: true, details: `LAN traffic to the Internet leaves through ${tunnel}` };
  }
  return state.killSwitch
    ? {
        name: 'no-bypass',
        pass: false,
        details: `LAN traffic would leave through ${route.dev ?? 'an unknown interface'}, not the tunnel`,
      }
    : {
        name: 'no-bypass',
        pass: true,
        details: `the kill switch is off: LAN traffic falls back to ${route.dev ?? 'the WAN'}`,
      };
}

async function checkDns(input: SelfTestInput): Promise<CheckResult> {
  const tunnel = input.state?.tunnel;
  if (!tunnel) {
    return { name: 'dns', pass: false, details: 'no tunnel is configured, so the router answers no DNS for the LAN' };
  }
  const problems: string[] = [];
  for (const server of tunnel.dns) {
    const route = await routeGet(input.executor, ['route', 'get', server]);
    if (route === 'unreachable' || route.dev !== tunnel.interface) {
      problems.push(
        `${server} is reached ${route === 'unreachable' ? 'by no route (tunnel down)' : `through ${route.dev ?? '?'}`}`,
      );
    }
  }
  return problems.length === 0
    ? { name: 'dns', pass: true, details: `DNS goes to ${tunnel.dns.join(', ')} through ${tunnel.interface}` }
    : { name: 'dns', pass: false, details: problems.join('; ') };
}

/**
 * A LAN device's IPv6 address, as the kernel would see a forwarded packet from it: host ::100 of the LAN's ULA /64,
 * or of fd00::/64 when the LAN has no prefix of its own (the LAN rule matches on the interface, not the source).
 */
export function lanDeviceIpv6(ipv6Prefix: string | undefined): string {
  const prefix = parseIpPrefix(ipv6Prefix ?? 'fd00::/64')!;
  const device = maskAddress(prefix.bytes, 64);
  device[14] = 0x01;
  return formatIp(device);
}

async function checkIpv6(input: SelfTestInput): Promise<CheckResult> {
  const { state } = input;
  if (state === null) {
    return { name: 'ipv6', pass: false, details: 'no desired state is applied' };
  }
  const tunnel = state.tunnel;
  const carries = tunnel !== null && tunnelCarriesIpv6(tunnel);
  const route = await routeGet(input.executor, [
    '-6',
    'route',
    'get',
    INTERNET_PROBES[6],
    'from',
    lanDeviceIpv6(state.lan.ipv6Prefix),
    'iif',
    state.lan.interface,
  ]);
  const nowhere = route === 'unreachable' || route.type === 'unreachable' || route.type === 'blackhole';
  if (carries) {
    if (!nowhere && route.dev === tunnel.interface) {
      return { name: 'ipv6', pass: true, details: `LAN IPv6 to the Internet leaves through ${tunnel.interface}` };
    }
    return nowhere
      ? { name: 'ipv6', pass: true, details: 'the tunnel is down and LAN IPv6 has nowhere to go: nothing leaks' }
      : {
          name: 'ipv6',
          pass: false,
          details: `LAN IPv6 would leave through ${route.dev ?? 'an unknown interface'}, not the tunnel`,
        };
  }
  if (nowhere) {
    return {
      name: 'ipv6',
      pass: true,
      details: `${tunnel === null ? 'no tunnel is configured' : 'the tunnel carries no IPv6'}: LAN IPv6 is unreachable, so none leaks`,
    };
  }
  return {
    name: 'ipv6',
    pass: false,
    details: `the tunnel carries no IPv6, yet LAN IPv6 would leave through ${route.dev ?? 'an unknown interface'}`,
  };
}

/** Runs every check; one that cannot run is a failure that says why, never an exception. */
export async function runSelfTest(input: SelfTestInput): Promise<CheckResult[]> {
  const checks: Array<[CheckResult['name'], (input: SelfTestInput) => Promise<CheckResult>]> = [
    ['ruleset', checkRuleset],
    ['handshake', checkHandshake],
    ['no-bypass', checkNoBypass],
    ['dns', checkDns],
    ['ipv6', checkIpv6],
    ...(input.leakProbe === undefined
      ? []
      : [['leak-probe', input.leakProbe] as [CheckResult['name'], typeof input.leakProbe]]),
  ];
  return Promise.all(
    checks.map(([name, check]) =>
      check(input).catch((error: unknown) => ({
        name,
        pass: false,
        details: `the check could not run: ${(error as Error).message}`,
      })),
    ),
  );
}
