// The IPv6 check of the self-test against the answers `ip -6 route get` gives: the kernel's lookup for a LAN device's
// IPv6 goes through the tunnel when the tunnel carries IPv6, and is unreachable otherwise.
import test from 'ava';
import { ExecError, type ExecResult, type Executor } from '../os/exec.js';
import { type DesiredState, parseDesiredState } from './desired-state.js';
import { lanDeviceIpv6, runSelfTest } from './self-test.js';

function stateWith(options: { ipv6: boolean; killSwitch?: boolean; tunnel?: boolean }): DesiredState {
  const parsed = parseDesiredState({
    version: 1,
    killSwitch: options.killSwitch ?? true,
    wan: { interface: 'wan0' },
    lan: {
      ports: [],
      address: '100.64.8.1/24',
      ipv6Prefix: 'fd08::1/64',
      dhcp: { rangeStart: '100.64.8.100', rangeEnd: '100.64.8.199' },
    },
    tunnel:
      options.tunnel === false
        ? null
        : {
            privateKey: 'yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=',
            addresses: options.ipv6 ? ['100.96.0.2/32', 'fd96::2/128'] : ['100.96.0.2/32'],
            dns: ['100.96.0.1'],
            peers: [
              {
                publicKey: 'xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=',
                endpoint: '203.0.113.1:51820',
                allowedIps: options.ipv6 ? ['0.0.0.0/0', '::/0'] : ['0.0.0.0/0'],
              },
            ],
          },
  });
  if (!parsed.ok) {
    throw new Error(parsed.errors.join('; '));
  }
  return parsed.state;
}

/** Answers `ip -6 route get` with a route through `dev`, or fails as ip(8) does for an unreachable route. */
class RouteExecutor implements Executor {
  readonly calls: string[][] = [];

  constructor(private readonly answer: { dev: string } | 'unreachable') {}

  run(argv: readonly string[]): Promise<ExecResult> {
    this.calls.push([...argv]);
    if (this.answer === 'unreachable') {
      const message = 'RTNETLINK answers: Network is unreachable';
      return Promise.reject(new ExecError('exit', argv, 2, null, message, message));
    }
    const stdout = JSON.stringify([{ dst: '2001:db8::250', dev: this.answer.dev }]);
    return Promise.resolve({ stdout, stderr: '', code: 0 });
  }
}

async function ipv6Check(state: DesiredState | null, executor: RouteExecutor) {
  const checks = await runSelfTest({ executor, state, loadedRuleset: null, uapiSocket: null });
  return checks.find((check) => check.name === 'ipv6');
}

test('a LAN device address in the LAN prefix, or a ULA one when the LAN has none', (t) => {
  t.is(lanDeviceIpv6('fd08::1/64'), 'fd08::100');
  t.is(lanDeviceIpv6('fd12:3456:789a:1::1/64'), 'fd12:3456:789a:1::100');
  t.is(lanDeviceIpv6(undefined), 'fd00::100');
});

test('the lookup is the one a LAN device would cause: from its address, arriving on the bridge', async (t) => {
  const executor = new RouteExecutor('unreachable');
  await ipv6Check(stateWith({ ipv6: false }), executor);
  t.true(
    executor.calls.some(
      (argv) => argv.join(' ') === '/usr/sbin/ip -j -6 route get 2001:db8::250 from fd08::100 iif br-lan',
    ),
  );
});

test('a tunnel without IPv6: unreachable passes, any interface fails', async (t) => {
  t.like(await ipv6Check(stateWith({ ipv6: false }), new RouteExecutor('unreachable')), { pass: true });
  const leak = await ipv6Check(stateWith({ ipv6: false }), new RouteExecutor({ dev: 'wan0' }));
  t.like(leak, { pass: false });
  t.regex(leak!.details, /carries no IPv6.*wan0/);
  // The kill switch off changes nothing for IPv6: it never falls back to the WAN.
  t.like(await ipv6Check(stateWith({ ipv6: false, killSwitch: false }), new RouteExecutor({ dev: 'wan0' })), {
    pass: false,
  });
});

test('no tunnel at all: unreachable passes', async (t) => {
  const check = await ipv6Check(stateWith({ ipv6: false, tunnel: false }), new RouteExecutor('unreachable'));
  t.like(check, { pass: true });
  t.regex(check!.details, /no tunnel/);
});

test('a tunnel that carries IPv6: through it passes, through the WAN fails, nowhere (tunnel down) leaks nothing', async (t) => {
  const through = await ipv6Check(stateWith({ ipv6: true }), new RouteExecutor({ dev: 'wg0' }));
  t.like(through, { pass: true });
  t.regex(through!.details, /through wg0/);
  t.like(await ipv6Check(stateWith({ ipv6: true }), new RouteExecutor({ dev: 'wan0' })), { pass: false });
  t.like(await ipv6Check(stateWith({ ipv6: true }), new RouteExecutor('unreachable')), { pass: true });
});

test('no state: the check fails and says why', async (t) => {
  t.like(await ipv6Check(null, new RouteExecutor('unreachable')), {
    pass: false,
    details: 'no desired state is applied',
  });
});
