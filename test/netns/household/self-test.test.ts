// burrowd's self-test, the check the web page and the console show, against the real thing: every check passes in
// the healthy household; with the engine dead (killed, and killed again whenever the supervisor restarts it) the
// handshake and DNS checks fail and say why; with the VPN server unreachable (its UDP port blocked in the
// Internet) the restarted engine cannot complete a handshake, and exactly that check fails; once the block is
// lifted everything passes again, by itself.
import { TOOLS } from '@burrow/scripts/lab/tools';
import { type Gateway, gatewayTest, type SelfTestCheck } from './fixture.js';
import { eventually } from './poll.js';

const CHECKS = ['ruleset', 'handshake', 'no-bypass', 'dns', 'ipv6', 'leak-probe'];
/** An nftables table of the test's own in the Internet namespace: it drops what reaches the VPN server's port. */
const BLOCK_TABLE = 'burrow_test_block';

function failing(checks: readonly SelfTestCheck[]): string[] {
  return checks.filter((check) => !check.pass).map((check) => check.name);
}

function describe(checks: readonly SelfTestCheck[]): string {
  return checks.map((check) => `${check.name} ${check.pass ? 'pass' : 'FAIL'}: ${check.details}`).join('\n');
}

async function blockVpnServer(gateway: Gateway, blocked: boolean): Promise<void> {
  const { namespaces, vpnServer } = gateway.record;
  const port = vpnServer.endpoint.split(':').at(-1)!;
  const ruleset = blocked
    ? `table inet ${BLOCK_TABLE} {\n\tchain input {\n\t\ttype filter hook input priority -10; policy accept;\n\t\tudp dport ${port} drop\n\t}\n}\n`
    : `delete table inet ${BLOCK_TABLE}\n`;
  await gateway.lab.exec(namespaces.internet, [TOOLS.nft, '-f', '-'], { input: ruleset, inputIsPublic: true });
}

gatewayTest(
  'the self-test passes when healthy and names the failing check when the tunnel is down',
  {},
  async (t, gateway) => {
    const healthy = await gateway.selfTest();
    t.log(`healthy:\n${describe(healthy)}`);
    t.deepEqual(
      healthy.map((check) => check.name),
      CHECKS,
      'every check ran',
    );
    t.deepEqual(failing(healthy), [], 'and passed');

    const { result: engineDown } = await gateway.keepEngineDown(() => gateway.selfTest());
    t.log(`engine down:\n${describe(engineDown)}`);
    t.deepEqual(failing(engineDown), ['handshake', 'dns'], 'with the engine dead, the handshake and DNS checks fail');
    t.regex(engineDown.find((check) => check.name === 'handshake')!.details, /does not answer/);
    t.regex(engineDown.find((check) => check.name === 'dns')!.details, /100\.96\.0\.1/);

    // The supervisor brings the engine back, but now the VPN server cannot be reached.
    await gateway.waitForTunnel(gateway.lanDevices[0]);
    await blockVpnServer(gateway, true);
    await gateway.killEngine();
    // Until the supervisor's new engine answers, the handshake check says the engine does not answer: wait for the
    // engine that runs but reaches no server.
    const unreachable = await eventually('the self-test failing only its handshake check', 30_000, async () => {
      const checks = await gateway.selfTest();
      const handshake = checks.find((check) => check.name === 'handshake')?.details ?? '';
      return failing(checks).join() === 'handshake' && !/does not answer/.test(handshake) ? checks : undefined;
    });
    t.log(`VPN server unreachable:\n${describe(unreachable)}`);
    t.regex(unreachable.find((check) => check.name === 'handshake')!.details, /has not completed a handshake/);

    await blockVpnServer(gateway, false);
    // Traffic from the LAN makes the engine try again at once, rather than at its next keepalive.
    await gateway.waitForTunnel(gateway.lanDevices[0]);
    const recovered = await eventually('the self-test passing again', 30_000, async () => {
      const checks = await gateway.selfTest();
      return failing(checks).length === 0 ? checks : undefined;
    });
    t.log(`unblocked:\n${describe(recovered)}`);
  },
);
