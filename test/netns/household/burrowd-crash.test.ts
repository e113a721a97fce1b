// The kill switch when burrowd itself dies. The kernel holds the promise, not the daemon: after a SIGKILL of
// burrowd the engine and dnsmasq run on as orphans and the kill-switch table stays loaded, so the tunnel keeps
// working; when the engine then crashes too, with nobody left to restart it, a 10 s window of both LAN devices
// trying every way out shows nothing but the tunnel on the WAN. A new burrowd restores the persisted state on its
// own (no apply), takes over from the orphans, and traffic resumes.
import { isAlive } from '@burrow/scripts/lab/namespaces';
import { assertNoLeaks, assertProbesRan, prepareDeviceIpv6, probeFromBothDevices, summarise } from './leaks.js';
import { gatewayTest } from './fixture.js';

gatewayTest('burrowd killed, then the engine: nothing leaks, and a new burrowd restores', {}, async (t, gateway) => {
  await prepareDeviceIpv6(gateway);
  const [first, second] = gateway.lanDevices;
  const before = await gateway.routerSnapshot();
  const { dnsmasq } = await gateway.status();
  const enginePid = await gateway.enginePid();
  t.not(enginePid, undefined, 'an engine runs');
  const capture = await gateway.captureWan('burrowd-killed');

  t.is(await gateway.burrowd.stop('SIGKILL'), 128 + 9, 'burrowd died of SIGKILL');
  t.is(await gateway.enginePid(), enginePid, 'the engine runs on without burrowd');
  t.true(dnsmasq.pid !== null && isAlive(dnsmasq.pid), 'dnsmasq runs on without burrowd');
  t.deepEqual(await gateway.routerSnapshot(), before, 'the kill-switch table, routes, rules and peer all stay');
  await gateway.waitForTunnel(first);
  t.pass('the tunnel carries LAN traffic without burrowd');

  await gateway.killEngine();
  await gateway.waitForTunnelInterface(false);
  const reports = await probeFromBothDevices(gateway);
  t.log(`burrowd and engine dead; probes: ${summarise(reports)}`);
  assertProbesRan(t, reports);
  t.is(await gateway.enginePid(), undefined, 'with no supervisor the engine stayed down for the whole window');

  const restarted = Date.now();
  gateway.startBurrowd();
  await gateway.waitForBurrowd();
  await gateway.waitForTunnel(first);
  await gateway.waitForTunnel(second);
  t.log(`traffic resumed ${Date.now() - restarted} ms after burrowd was started again`);
  await capture.stop();
  await assertNoLeaks(t, capture, 'burrowd and the engine killed, then burrowd restarted');

  const status = await gateway.status();
  t.is(status.firewall.loaded, before.fingerprint, 'the new burrowd restored the same kill-switch table');
  t.true(status.engine.running, 'and runs an engine of its own');
  const processes = await gateway.routerProcesses();
  const count = (program: string) => processes.filter((argv) => argv.some((arg) => arg.endsWith(program))).length;
  t.is(count('dnsmasq'), 1, "the orphaned dnsmasq was replaced, not doubled (it holds the LAN's ports)");
  t.is(count('burrow-wg'), 1, 'one engine');
});
