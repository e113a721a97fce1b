// The router's own figures through the API, against the real burrowd in a household lab: burrowd starts as a box
// ships (its board file), the API runs in this process pointed at its control socket. The Status page's interfaces
// are the router's (its WAN, the LAN bridge with its ports, the tunnel), and POST /api/selftest runs burrowd's
// self-test: with no tunnel the kill-switch, routing and IPv6 checks pass while the tunnel's own fail; once the
// lab's provider file is imported, every check passes.
import test from 'ava';
import { readFile } from 'node:fs/promises';
import { startInProcessApi, type InProcessApi } from '../../medium/api/in-process-api.js';
import { call, setupAdmin, type Session } from '../../medium/api/session-client.js';
import { Gateway, householdSkipReason } from './fixture.js';
import { eventually } from './poll.js';

const skipReason = await householdSkipReason();
const declare = skipReason === undefined ? test.serial : test.serial.skip;
const TUNNEL_TIMEOUT_MS = 45_000;

interface SelfTestBody {
  at: string;
  pass: boolean;
  checks: Array<{ name: string; pass: boolean; details: string }>;
}

interface StatusBody {
  interfacesSource: string;
  interfaces: Array<{ name: string; role: string | null; up: boolean; mtu: number | null; addresses: unknown[] }>;
}

const cleanups: Array<() => Promise<void>> = [];
test.after.always(async () => {
  for (const cleanup of cleanups.reverse()) {
    await cleanup().catch((error: unknown) => console.warn(`cleanup failed: ${(error as Error).message}`));
  }
});

const describe = (body: SelfTestBody) =>
  body.checks.map((check) => `${check.name} ${check.pass ? 'pass' : 'FAIL'}: ${check.details}`).join('\n');

async function selfTest(api: InProcessApi, admin: Session): Promise<SelfTestBody> {
  const reply = await call<SelfTestBody>(api, '/api/selftest', { method: 'POST', session: admin });
  if (reply.status !== 200) {
    throw new Error(`POST /api/selftest answered ${reply.status}: ${JSON.stringify(reply.body)}`);
  }
  return reply.body;
}

declare("the Status page shows the router's interfaces, and the self-test runs through the API", async (t) => {
  const gateway = await Gateway.startWithBoard((stop) => cleanups.push(stop));
  const { record } = gateway;
  try {
    const api = await startInProcessApi({ firmwareSocket: gateway.socket });
    cleanups.push(() => api.close());
    const admin = await setupAdmin(api);

    // The API sent burrowd the (empty) database's state as it started: the LAN, the kill switch, no tunnel.
    const status = await eventually('the router reporting its LAN bridge', 20_000, async () => {
      const { body } = await call<StatusBody>(api, '/api/system/status', { session: admin });
      return body.interfaces.some((nic) => nic.role === 'lan-bridge') ? body : undefined;
    });
    t.is(status.interfacesSource, 'router');
    const byName = new Map(status.interfaces.map((nic) => [nic.name, nic]));
    t.like(byName.get(record.router.wanInterface), { role: 'wan', up: true });
    t.like(byName.get(record.router.lanInterface), { role: 'lan-bridge', up: true, mtu: 1500 });
    t.true(
      status.interfaces.some((nic) => nic.role === 'lan-port'),
      `a LAN port in the bridge: ${JSON.stringify(status.interfaces.map(({ name, role }) => [name, role]))}`,
    );
    t.true(byName.has('lo'));
    // Nothing of the machine running the tests: only the router namespace's own interfaces.
    t.true(status.interfaces.length <= 8, JSON.stringify([...byName.keys()]));

    const noTunnel = await selfTest(api, admin);
    t.log(`no tunnel:\n${describe(noTunnel)}`);
    t.deepEqual(
      noTunnel.checks.map(({ name, pass }) => [name, pass]),
      [
        ['ruleset', true],
        ['handshake', false],
        ['no-bypass', true],
        ['dns', false],
        ['ipv6', true],
        ['leak-probe', true],
      ],
    );
    t.false(noTunnel.pass);
    t.deepEqual((await call(api, '/api/selftest', { session: admin })).body, { last: noTunnel });

    const [server] = record.vpnServers;
    const reply = await call(api, '/api/tunnels', {
      method: 'POST',
      session: admin,
      body: { name: 'Lab server A', config: await readFile(server!.client.configFile, 'utf8') },
    });
    t.is(reply.status, 201, JSON.stringify(reply.body));
    await gateway.waitForTunnel(gateway.lanDevices[0], TUNNEL_TIMEOUT_MS);

    const withTunnel = await eventually('every self-test check passing', TUNNEL_TIMEOUT_MS, async () => {
      const body = await selfTest(api, admin);
      return body.pass ? body : undefined;
    });
    t.log(`tunnel up:\n${describe(withTunnel)}`);
    t.deepEqual(
      withTunnel.checks.map(({ name }) => name),
      ['ruleset', 'handshake', 'no-bypass', 'dns', 'ipv6', 'leak-probe'],
    );
    t.regex(withTunnel.checks.find((check) => check.name === 'ipv6')!.details, /leaves through/);

    const after = (await call<StatusBody>(api, '/api/system/status', { session: admin })).body;
    t.like(
      after.interfaces.find((nic) => nic.name === gateway.tunnelInterface),
      { role: 'tunnel', up: true },
    );
  } catch (error) {
    t.log(await gateway.burrowd.describe());
    throw error;
  }
});
