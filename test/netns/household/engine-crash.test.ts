// The kill switch when the tunnel engine crashes. The engine is SIGKILLed, and again each time burrowd's supervisor
// starts it, for a 10 s window in which both LAN devices try every way out (TCP, UDP, ICMP, DNS, IPv6) while the
// WAN link is captured. With the kill switch on nothing but the encrypted tunnel crosses the WAN, and once the
// engine is left alone the supervisor brings it back and traffic resumes by itself. With the kill switch off the
// same crash makes LAN traffic fall back to the WAN, and the same capture shows it: the capture can see a leak.
import { randomBytes } from 'node:crypto';
import {
  assertNoLeaks,
  assertProbesRan,
  countWan,
  prepareDeviceIpv6,
  probeFromBothDevices,
  summarise,
} from './leaks.js';
import { gatewayTest } from './fixture.js';
import { eventually } from './poll.js';

gatewayTest('engine crashes: nothing leaks on the WAN, and traffic resumes by itself', {}, async (t, gateway) => {
  await prepareDeviceIpv6(gateway);
  const [first, second] = gateway.lanDevices;
  const capture = await gateway.captureWan('engine-crashes');

  const windowStarted = Date.now();
  const { result: reports, killed } = await gateway.keepEngineDown(() => probeFromBothDevices(gateway));
  t.log(`engine killed ${killed.length} times in ${Date.now() - windowStarted} ms; probes: ${summarise(reports)}`);
  assertProbesRan(t, reports);
  t.true(killed.length >= 2, 'the supervisor kept restarting the engine, and it was killed again each time');

  // Left alone, the supervisor starts the engine again and burrowd reapplies the state: nobody calls burrowd.
  const recovery = Date.now();
  await gateway.waitForTunnel(first);
  await gateway.waitForTunnel(second);
  t.log(`traffic resumed through the tunnel ${Date.now() - recovery} ms after the last kill`);
  await capture.stop();

  // The capture ran from before the first kill until traffic resumed: the restart did not leak either.
  const counts = await assertNoLeaks(t, capture, 'engine killed');
  t.true(counts.tunnel > 0, 'the resumed traffic crossed the WAN inside the tunnel');
});

gatewayTest(
  'kill switch off: the same crash sends LAN traffic out the WAN, and the capture sees it',
  { killSwitch: false },
  async (t, gateway) => {
    await prepareDeviceIpv6(gateway);
    const { lab, record } = gateway;
    const [first] = gateway.lanDevices;
    const wanAddress = record.router.wanAddress.split('/')[0]!;
    const capture = await gateway.captureWan('kill-switch-off');

    const { result: reports, killed } = await gateway.keepEngineDown(async () => {
      await eventually('a web request from the WAN address', 10_000, async () =>
        (await lab.whoami(first, 4, { timeoutMs: 2_000 })) === wanAddress ? true : undefined,
      );
      t.pass("the web server saw the router's WAN address: LAN traffic fell back to the WAN");
      return probeFromBothDevices(gateway);
    });
    t.log(`engine killed ${killed.length} times; probes: ${summarise(reports)}`);
    assertProbesRan(t, reports);
    await gateway.waitForTunnel(first);
    await capture.stop();

    const counts = await countWan(capture);
    t.log(`kill switch off: WAN packets ${JSON.stringify(counts)}`);
    t.true(counts.web > 0, 'plain web traffic from the LAN crossed the WAN');
    t.true(counts.other > 0, 'the leak counter counts it');
    t.is(counts.lanAddresses, 0, 'masqueraded: no LAN address on the WAN, and LAN IPv6 never leaves by the WAN');
  },
);

gatewayTest(
  "kill switch off: the LAN's DNS still goes only through the tunnel",
  { killSwitch: false },
  async (t, gateway) => {
    const [first] = gateway.lanDevices;
    const capture = await gateway.captureWan('kill-switch-off-dns');
    const freshName = () => `fresh-${randomBytes(6).toString('hex')}.internet.test`;
    await gateway.keepEngineDown(async () => {
      // Names never asked before, so the router's dnsmasq has to forward each; no answer can come while the tunnel
      // is down.
      for (let query = 0; query < 3; query++) {
        const error = await t.throwsAsync(gateway.lab.resolve(first, freshName(), { timeoutMs: 3_000 }));
        t.notRegex(error?.message ?? '', /ENOTFOUND/, 'no answer from the Internet DNS while the tunnel is down');
      }
    });
    // Back through the tunnel, the Internet DNS answers a fresh name (it has no such record): dnsmasq does forward.
    await gateway.waitForTunnel(first);
    await t.throwsAsync(gateway.lab.resolve(first, freshName(), { timeoutMs: 3_000 }), { message: /ENOTFOUND/ });
    await capture.stop();
    const dns = await capture.describe('port 53');
    t.is(dns.count, 0, `plaintext DNS on the WAN:\n${dns.sample}`);
  },
);
