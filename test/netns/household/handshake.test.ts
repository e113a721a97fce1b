// The recovery console's "test the tunnel": a fresh handshake with the carrying profile's server (the lab's
// wireguard-go) on request, answered with its latency, and the tunnel carries on afterwards. After a factory reset
// there is no tunnel: the answer says so, the engine is gone and the LAN stays blocked.
import { gatewayTest } from './fixture.js';

gatewayTest(
  'handshake answers with the server and its latency; after a factory reset, no tunnel',
  {},
  async (t, gateway) => {
    const [first] = gateway.lanDevices;
    const before = (await gateway.status()).peers?.[0];
    t.not(before?.lastHandshake ?? null, null, 'the tunnel had a handshake already');

    const response = await gateway.request('handshake', {});
    t.true(response.ok);
    const answer = (response.ok ? response.result : null) as {
      ok: boolean;
      profile: { id: number; name: string } | null;
      endpoint?: string;
      latencyMs?: number;
      error?: string;
    };
    t.log(`handshake: ${JSON.stringify(answer)}`);
    t.true(answer.ok, answer.error);
    t.is(answer.endpoint, gateway.record.vpnServer.endpoint, "the server's address as the engine sends to it");
    t.true(answer.latencyMs! >= 0 && answer.latencyMs! < 5_000);
    t.not(answer.profile, null, 'the profile that carries traffic');
    const after = (await gateway.status()).peers?.[0];
    t.true(
      after !== undefined && before !== undefined && after.rxBytes < before.rxBytes,
      `the peer was added afresh: ${after?.rxBytes} bytes received since, ${before?.rxBytes} before`,
    );
    await gateway.waitForTunnel(first);
    t.pass('the tunnel carries LAN traffic after the fresh handshake');

    t.deepEqual(await gateway.request('factoryReset', {}), { ok: true, result: {} });
    t.deepEqual(await gateway.request('handshake', {}), {
      ok: true,
      result: { ok: false, profile: null, error: 'no tunnel configured' },
    });
    await gateway.waitForTunnelInterface(false);
    t.is(await gateway.enginePid(), undefined, 'no engine runs');
    await t.throwsAsync(gateway.lab.whoami(first, 4, { timeoutMs: 2_000 }), undefined, 'the LAN stays blocked');
    t.is((await gateway.status()).state, null);
  },
);
