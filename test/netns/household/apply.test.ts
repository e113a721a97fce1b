// Applying desired states on a running gateway. The same state applied again changes nothing (the kill-switch
// table, the policy routes and rules, the engine's peer and session, the engine and dnsmasq processes) and does
// not interrupt traffic. A malformed state is refused with an error that names the field (and never echoes a
// secret), and the state in force stays: same table, same routes, traffic still through the tunnel.
import { type DesiredStateInput } from '@burrow/firmware/control/desired-state';
import { type ExecutionContext } from 'ava';
import { type Gateway, gatewayTest } from './fixture.js';

const PING = '/usr/bin/ping';
/** Pings during the second apply: 20 a second for 4 s. */
const PING_COUNT = 80;
const PING_INTERVAL_S = 0.05;

/** Pings the Internet host through the tunnel from `ns` until `PING_COUNT` are sent; resolves with the loss. */
async function pingThroughout(gateway: Gateway, ns: string): Promise<{ sent: number; received: number }> {
  const { stdout } = await gateway.lab.exec(
    ns,
    [PING, '-n', '-q', '-i', `${PING_INTERVAL_S}`, '-W', '2', '-c', `${PING_COUNT}`, gateway.record.internetHost.web],
    { okExitCodes: [1], timeoutMs: 30_000 },
  );
  const match = /(\d+) packets transmitted, (\d+) received/.exec(stdout);
  if (!match) {
    throw new Error(`ping printed no summary:\n${stdout}`);
  }
  return { sent: Number(match[1]), received: Number(match[2]) };
}

gatewayTest('applying the same desired state twice changes nothing and interrupts nothing', {}, async (t, gateway) => {
  const [first] = gateway.lanDevices;
  const before = await gateway.routerSnapshot();
  const statusBefore = await gateway.status();
  t.not(before.peer.latestHandshake, 0, 'the tunnel has a session');

  const [ping, result] = await Promise.all([
    pingThroughout(gateway, first),
    // Half a second in, while the pings are flowing.
    new Promise((resolve) => setTimeout(resolve, 500)).then(() => gateway.apply(gateway.state)),
  ]);
  t.log(`second apply: ${JSON.stringify(result)}; pings during it: ${ping.received}/${ping.sent}`);
  t.is(ping.received, ping.sent, 'no ping was lost while the same state was applied again');

  const after = await gateway.routerSnapshot();
  t.is(after.fingerprint, before.fingerprint, 'the kill-switch table has the same fingerprint');
  t.is(after.table, before.table, 'and the same rules and set elements');
  t.deepEqual(after.routes4, before.routes4, 'table 51820 (IPv4) is unchanged');
  t.deepEqual(after.routes6, before.routes6, 'table 51820 (IPv6) is unchanged');
  t.deepEqual(after.rules4, before.rules4, 'the IPv4 policy rules are unchanged');
  t.deepEqual(after.rules6, before.rules6, 'the IPv6 policy rules are unchanged');
  t.deepEqual(after.peer, before.peer, "the engine's peer is unchanged, down to its last handshake: same session");
  const statusAfter = await gateway.status();
  t.is(statusAfter.engine.pid, statusBefore.engine.pid, 'the engine was not restarted');
  t.is(statusAfter.dnsmasq.pid, statusBefore.dnsmasq.pid, 'dnsmasq was not restarted');
  t.deepEqual(statusAfter.state, statusBefore.state);
});

/** A deep copy of `state` with one change made by `edit`. */
function malformed(state: DesiredStateInput, edit: (copy: DesiredStateInput) => void): DesiredStateInput {
  const copy = structuredClone(state);
  edit(copy);
  return copy;
}

async function assertRefused(
  t: ExecutionContext,
  gateway: Gateway,
  what: string,
  state: unknown,
  field: RegExp,
): Promise<void> {
  const response = await gateway.request('apply', state);
  if (response.ok) {
    t.fail(`${what}: burrowd applied it`);
    return;
  }
  t.log(`${what}: ${response.error} [${response.details.join('; ')}]`);
  t.regex([response.error, ...response.details].join('\n'), field, `${what}: the error names the field`);
  const privateKey = gateway.lab.routerPrivateKey;
  t.false(JSON.stringify(response).includes(privateKey), `${what}: the answer does not echo the private key`);
}

gatewayTest(
  'a malformed desired state is refused, naming the field, and the state in force stays',
  {},
  async (t, gateway) => {
    const { lab, record } = gateway;
    const [first] = gateway.lanDevices;
    const before = await gateway.routerSnapshot();
    const statusBefore = await gateway.status();
    const good = gateway.state;

    await assertRefused(
      t,
      gateway,
      'the LAN address is its subnet',
      malformed(good, (state) => (state.lan.address = '100.64.8.0/24')),
      /lan\.address/,
    );
    await assertRefused(
      t,
      gateway,
      'an endpoint without a port',
      malformed(good, (state) => (state.tunnel!.peers[0]!.endpoint = '203.0.113.1')),
      /tunnel\.peers\[0\]\.endpoint/,
    );
    await assertRefused(
      t,
      gateway,
      'the private key pasted into the DNS list',
      malformed(good, (state) => (state.tunnel!.dns = [lab.routerPrivateKey])),
      /tunnel\.dns\[0\]/,
    );
    await assertRefused(t, gateway, 'an unknown field', { ...good, killswitch: false }, /unknown key "killswitch"/);
    await assertRefused(t, gateway, 'not a state at all', 'please route everything', /object|expected/i);

    t.deepEqual(await gateway.routerSnapshot(), before, 'the kill-switch table, routes, rules and peer are unchanged');
    const statusAfter = await gateway.status();
    t.deepEqual(statusAfter.state, statusBefore.state, "burrowd's status still shows the state in force");
    t.is(statusAfter.firewall.loaded, statusBefore.firewall.loaded);
    t.is(await lab.whoami(first), record.vpnServer.address, 'traffic still goes through the tunnel');
  },
);
