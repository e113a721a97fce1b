// The kill switch when burrowd itself dies. The kernel holds the promise, not the daemon: after a SIGKILL of
// burrowd the engine and dnsmasq run on as orphans and the kill-switch table stays loaded, so the tunnel keeps
// working; when the engine then crashes too, with nobody left to restart it, a 10 s window of both LAN devices
// trying every way out shows nothing but the tunnel on the WAN. A new burrowd restores the persisted state on its
// own (no apply), takes over from the orphans, and traffic resumes. A new burrowd that finds the orphan engine
// still running (no systemd to end the whole cgroup, as in the lab) ends it before starting its own, and the tunnel
// comes back by itself.
import { isAlive } from '@burrow/scripts/lab/namespaces';
import { assertNoLeaks, assertProbesRan, prepareDeviceIpv6, probeFromBothDevices, summarise } from './leaks.js';
import { gatewayTest } from './fixture.js';
import { eventually } from './poll.js';

/** From starting a new burrowd to LAN traffic through the tunnel again: a restore, an engine start, a handshake. */
const TAKEOVER_TIMEOUT_MS = 15_000;

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

gatewayTest('burrowd killed, its engine left running: a new burrowd takes over the tunnel', {}, async (t, gateway) => {
  const [first, second] = gateway.lanDevices;
  const orphan = await gateway.enginePid();
  t.not(orphan, undefined, 'an engine runs');
  t.is(await gateway.burrowd.stop('SIGKILL'), 128 + 9, 'burrowd died of SIGKILL');
  t.is(await gateway.enginePid(), orphan, 'the engine runs on without burrowd');

  const restarted = Date.now();
  gateway.startBurrowd();
  await gateway.waitForBurrowd();
  // Traffic through the orphan would prove nothing: wait for the new burrowd's own engine first.
  const replacement = await eventually('a new engine replacing the orphan', TAKEOVER_TIMEOUT_MS, async () => {
    const pid = await gateway.enginePid();
    return pid !== undefined && pid !== orphan ? pid : undefined;
  });
  t.false(isAlive(orphan!), 'the orphan engine was ended');
  const remaining = TAKEOVER_TIMEOUT_MS - (Date.now() - restarted);
  await gateway.waitForTunnel(first, remaining);
  await gateway.waitForTunnel(second, TAKEOVER_TIMEOUT_MS - (Date.now() - restarted));
  t.log(`traffic resumed ${Date.now() - restarted} ms after burrowd was started again`);

  const status = await gateway.status();
  t.is(status.engine.pid, replacement, "burrowd's status names its own engine");
  const processes = await gateway.routerProcesses();
  t.is(processes.filter((argv) => argv.some((arg) => arg.endsWith('burrow-wg'))).length, 1, 'one engine');
  const checks = await gateway.selfTest();
  const failing = checks.filter((check) => !check.pass);
  t.deepEqual(
    failing.map((check) => `${check.name}: ${check.details}`),
    [],
    'the self-test passes',
  );
});
